"""The choropleth SVG: plain SVG 1.1 with explicit size, inline fills, every text escaped, nothing external."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import classes, data
from .geometry import PAD, TITLE_H, geometry

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
INK = "#1f2328"
MUTED = "#636c76"
BORDER = "#8a8a8a"  # between areas
GROUP_BORDER = "#4d4d4d"  # between the cities of a province
OUTLINE = "#333333"  # around the country or the province
MARITIME = "#333333"  # the maritime boundary

# Names of the units shown whether or not the caller passes them (the data's own names are Chinese).
DEFAULT_NAMES = {
    "710000": gettext_lazy("台湾省"),
    "810000": gettext_lazy("香港特别行政区"),
    "820000": gettext_lazy("澳门特别行政区"),
    data.XPCC: gettext_lazy("新疆生产建设兵团"),
}


@dataclass(frozen=True)
class MapArea:
    code: str  # GB/T 2260 six-digit code, e.g. "330000" (province) or "120113" (district)
    name: str  # shown in the area's tooltip <title> and the tile
    value: float | None  # None = no data (drawn grey, legend `no_data_label`)
    label: str  # the formatted value the caller wants shown, e.g. "240家", "63.0%", "—"
    url: str = ""  # optional link (the area becomes an <a>)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _safe_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("", "http", "https") else ""


class _Map:
    """What one rendering needs: the areas by code, their classes and the texts."""

    def __init__(
        self,
        areas: Sequence[MapArea],
        *,
        legend_title: str,
        fmt: Callable[[float], str],
        no_data_label: str,
        better: str,
        classes_count: int,
    ) -> None:
        self.by_code: dict[str, MapArea] = {}
        for area in areas:
            if area.code in self.by_code:
                raise ValueError(f"map area {area.code} ({area.name}) is given twice")
            self.by_code[area.code] = area
        self.at: dict[str, MapArea] = dict(self.by_code)  # the area drawn on each boundary (see _place)
        self.values = {area.code: classes.clean(area.value) for area in areas}
        self.scale = classes.scale(self.values.values(), classes=classes_count, better=better)
        self.legend_title = str(legend_title)  # lazy translations welcome
        self.fmt = fmt
        self.no_data_label = str(no_data_label)

    def value(self, code: str) -> float | None:
        return self.values.get(code)

    def area_svg(self, code: str, shapes: dict[str, Any], default_name: str, *, dot_r: float, link: bool) -> str:
        """One boundary (`code` in the data), coloured by the area drawn on it."""
        area = self.at.get(code)
        fill = self.scale.colour(self.value(area.code) if area else None)
        # (f-strings take str() of lazy names and labels)
        tooltip = f"{default_name}：{self.no_data_label}" if area is None else f"{area.name}：{area.label}"
        body = [f"<title>{escape(tooltip)}</title>"]
        if shapes["d"]:
            body.append(f'<path d="{shapes["d"]}" fill="{fill}" fill-rule="evenodd"/>')
        body.extend(
            f'<circle cx="{x}" cy="{y}" r="{dot_r}" fill="{fill}" stroke="{GROUP_BORDER}" stroke-width="0.5"/>'
            for x, y in shapes["dots"]
        )
        attrs = f'data-code="{_attr(area.code if area else code)}"'
        if area is not None and area.code != code:
            attrs += f' data-boundary="{_attr(code)}"'  # the data keeps this place under another code
        url = _safe_url(area.url) if area and link else ""
        if url:
            href = _attr(url)
            return f'<a xlink:href="{href}" href="{href}" {attrs}>{"".join(body)}</a>'
        return f"<g {attrs}>{''.join(body)}</g>"

    def tile_svg(self, code: str, name: str, x: float, y: float) -> tuple[str, float]:
        """A coloured tile with the unit's name and label (XPCC, or a code the data has no boundary for)."""
        area = self.by_code.get(code)
        label = str(area.label) if area else self.no_data_label
        name = str(name)
        value = self.value(code)
        w = max(72.0, _text_width(name, 10) + 14, _text_width(label, 11) + 14)
        h = 36.0
        fill, ink = self.scale.colour(value), self.scale.text_colour(value)
        body = (
            f"<title>{escape(f'{name}：{label}')}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.0f}" rx="2" fill="{fill}" '
            f'stroke="{GROUP_BORDER}" stroke-width="0.6"/>'
            f'<text x="{x + 7:.1f}" y="{y + 14:.1f}" font-size="10" fill="{ink}">{escape(name)}</text>'
            f'<text x="{x + 7:.1f}" y="{y + 29:.1f}" font-size="11" font-weight="bold" fill="{ink}">'
            f"{escape(label)}</text>"
        )
        url = _safe_url(area.url) if area else ""
        if url:
            href = _attr(url)
            return f'<a xlink:href="{href}" href="{href}" data-code="{_attr(code)}" data-tile="1">{body}</a>', w
        return f'<g data-code="{_attr(code)}" data-tile="1">{body}</g>', w

    def legend_items(self) -> list[tuple[str, str]]:
        items = []
        for lo, hi, colour in zip(self.scale.lows, self.scale.highs, self.scale.colours, strict=True):
            text = str(self.fmt(lo)) if lo == hi else f"{self.fmt(lo)} – {self.fmt(hi)}"
            items.append((colour, text))
        items.append((classes.NO_DATA_FILL, self.no_data_label))
        return items

    def legend_column(self, x: float, bottom: float) -> str:
        items = self.legend_items()
        row = 16.0
        top = bottom - row * len(items) - 16
        parts = [
            f'<g data-legend="1"><text x="{x:.1f}" y="{top + 10:.1f}" font-size="11" font-weight="bold" '
            f'fill="{INK}">{escape(self.legend_title)}</text>'
        ]
        for i, (colour, text) in enumerate(items):
            y = top + 16 + i * row
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="18" height="11" fill="{colour}" stroke="{BORDER}" '
                f'stroke-width="0.5"/><text x="{x + 24:.1f}" y="{y + 9.5:.1f}" font-size="10" '
                f'fill="{INK}">{escape(text)}</text>'
            )
        parts.append("</g>")
        return "".join(parts)

    def legend_rows(self, x: float, y: float, width: float) -> tuple[str, float]:
        """The legend as rows of swatches (under a province map); returns (svg, height)."""
        parts = [
            f'<g data-legend="1"><text x="{x:.1f}" y="{y + 11:.1f}" font-size="11" font-weight="bold" '
            f'fill="{INK}">{escape(self.legend_title)}</text>'
        ]
        cx, cy = x, y + 18
        for colour, text in self.legend_items():
            w = 24 + _text_width(text, 10) + 14
            if cx + w > x + width and cx > x:
                cx, cy = x, cy + 16
            parts.append(
                f'<rect x="{cx:.1f}" y="{cy:.1f}" width="18" height="11" fill="{colour}" stroke="{BORDER}" '
                f'stroke-width="0.5"/><text x="{cx + 24:.1f}" y="{cy + 9.5:.1f}" font-size="10" '
                f'fill="{INK}">{escape(text)}</text>'
            )
            cx += w
        parts.append("</g>")
        return "".join(parts), cy + 14 - y

    def tiles_block(self, codes: Sequence[str], x: float, y: float, width: float, caption: str) -> tuple[str, float]:
        """Tiles for the codes, in rows under a caption; returns (svg, height)."""
        if not codes:
            return "", 0.0
        parts = [f'<text x="{x:.1f}" y="{y + 11:.1f}" font-size="10" fill="{MUTED}">{escape(caption)}</text>']
        cx, cy = x, y + 18
        for code in codes:
            area = self.by_code[code]
            svg, w = self.tile_svg(code, area.name, cx, cy)
            if cx + w > x + width and cx > x:
                cx, cy = x, cy + 42
                svg, w = self.tile_svg(code, area.name, cx, cy)
            parts.append(svg)
            cx += w + 6
        return "".join(parts), cy + 36 - y


_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "市", "区", "旗")


def _stem(name: str) -> str:
    """A county-level name without its kind (祁阳县 and 祁阳市 are the same place after 县改市)."""
    name = str(name).strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _place(areas: Sequence[MapArea], names: dict[str, str]) -> tuple[dict[str, MapArea], list[MapArea]]:
    """Which boundary each area is drawn on (boundary code → area), and the areas with none (the tiles).

    Codes change over the years (县改市, new districts) and the boundary data keeps some places under their old
    code (祁阳市 as 431121, not 431181) or under another one (西沙区 as 460301, not 460302). An area goes, in this
    order, to the boundary with its code and its name; to the one boundary of its city (the code's first four
    digits) with its name; to the boundary with its code; else it is a tile.
    """
    at: dict[str, MapArea] = {}
    left = []
    for area in areas:
        if area.code in names and _stem(names[area.code]) == _stem(area.name):
            at[area.code] = area
        else:
            left.append(area)
    tiles = []
    for area in left:
        same_name = [
            code
            for code, name in names.items()
            if code[:4] == area.code[:4] and code not in at and _stem(name) == _stem(area.name)
        ]
        if len(same_name) == 1:
            at[same_name[0]] = area
        elif area.code in names and area.code not in at:
            at[area.code] = area
        else:
            tiles.append(area)
    return at, tiles


def _open(width: int, ref_w: float, ref_h: float, title: str) -> str:
    title = str(title)
    width = int(width)
    if width <= 0:
        raise ValueError(f"map width must be positive, not {width}")
    height = round(width * ref_h / ref_w)
    title_size = min(16.0, max(9.0, (ref_w - 2 * PAD) / max(_text_width(title, 1.0), 1.0)))  # a long title fits
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
        f'width="{width}" height="{height}" viewBox="0 0 {ref_w:g} {ref_h:.1f}" font-family="{FONT}" '
        f'font-size="11" role="img" aria-label="{_attr(title)}"><title>{escape(title)}</title>'
        f'<rect x="0" y="0" width="{ref_w:g}" height="{ref_h:.1f}" fill="#ffffff"/>'
        f'<text x="{PAD:g}" y="22" font-size="{title_size:.1f}" font-weight="bold" fill="{INK}">{escape(title)}</text>'
    )


def _layer_svg(m: _Map, layer: dict[str, Any], names: dict[str, str], *, dot_r: float, link: bool) -> str:
    parts = [f'<g stroke="{BORDER}" stroke-width="0.35" stroke-linejoin="round">']
    for code, shapes in layer["areas"].items():
        parts.append(m.area_svg(code, shapes, names.get(code, code), dot_r=dot_r, link=link))
    parts.append("</g>")
    if layer.get("groups"):
        parts.append(
            f'<path d="{layer["groups"]}" fill="none" stroke="{GROUP_BORDER}" stroke-width="0.8" '
            f'stroke-linejoin="round"/>'
        )
    if layer["outline"]:
        parts.append(
            f'<path d="{layer["outline"]}" fill="none" stroke="{OUTLINE}" stroke-width="0.9" stroke-linejoin="round"/>'
        )
    if layer["lines"]:
        parts.append(
            f'<path d="{layer["lines"]}" fill="none" stroke="{MARITIME}" stroke-width="1.6" stroke-linecap="round" '
            f'stroke-linejoin="round" data-maritime-boundary="1"/>'
        )
    return "".join(parts)


def _inset_svg(m: _Map, geo: dict[str, Any], names: dict[str, str]) -> str:
    x, y, w, h = geo["inset_box"]
    return (
        f'<g transform="translate({x:g},{y:g})" data-inset="south-china-sea">'
        f'<rect x="0" y="0" width="{w:g}" height="{h:g}" fill="#ffffff"/>'
        + _layer_svg(m, geo["inset"], names, dot_r=0.9, link=False)
        + f'<text x="{w - 4:g}" y="{h - 5:g}" font-size="9" text-anchor="end" fill="{INK}">'
        f"{escape(_('南海诸岛'))}</text>"
        f'<rect x="0" y="0" width="{w:g}" height="{h:g}" fill="none" stroke="{OUTLINE}" stroke-width="0.8"/></g>'
    )


def _names(geo_names: dict[str, str]) -> dict[str, str]:
    names = dict(geo_names)
    names.update({code: str(name) for code, name in DEFAULT_NAMES.items()})
    return names


def china_map(
    areas: Sequence[MapArea],
    *,
    title: str,
    legend_title: str,
    fmt: Callable[[float], str],
    no_data_label: str,
    better: str = "up",
    classes: int = 5,
    width: int = 760,
) -> SafeString:
    """China by provincial unit: Taiwan, Hong Kong and Macao as part of China, the South China Sea islands and the
    maritime boundary in the inset, XPCC as a tile; a code with no boundary in the data is a tile too."""
    geo = geometry("china")
    m = _Map(
        areas, legend_title=legend_title, fmt=fmt, no_data_label=no_data_label, better=better, classes_count=classes
    )
    names = _names(geo["names"])
    ref_w = float(geo["width"])
    drawn = set(geo["main"]["areas"])
    extra = [a.code for a in areas if a.code not in drawn and a.code != data.XPCC]
    xpcc_name = m.by_code[data.XPCC].name if data.XPCC in m.by_code else names[data.XPCC]
    xpcc_svg, _w = m.tile_svg(data.XPCC, xpcc_name, PAD, TITLE_H + 4)
    tiles_svg, tiles_h = m.tiles_block(extra, PAD, float(geo["height"]), ref_w - 2 * PAD, _("无边界数据的地区"))
    ref_h = float(geo["height"]) + (tiles_h + PAD if tiles_h else 0)
    parts = [
        _open(width, ref_w, ref_h, title),
        _layer_svg(m, geo["main"], names, dot_r=1.1, link=True),
        _inset_svg(m, geo, names),
        xpcc_svg,
        m.legend_column(PAD, float(geo["height"]) - PAD),  # the lower left is open sea and land abroad
        tiles_svg,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, the path data is checked (geometry._valid)


def province_map(
    province_code: str,
    areas: Sequence[MapArea],
    *,
    title: str,
    legend_title: str,
    fmt: Callable[[float], str],
    no_data_label: str,
    better: str = "up",
    classes: int = 5,
    width: int = 640,
) -> SafeString:
    """A province by county-level area, city outlines heavier; areas without a boundary in the data are tiles."""
    geo = geometry(str(province_code))
    m = _Map(
        areas, legend_title=legend_title, fmt=fmt, no_data_label=no_data_label, better=better, classes_count=classes
    )
    names = dict(geo["names"])
    drawn = set(geo["main"]["areas"]) if geo["main"] is not None else set()
    if geo["inset"] is not None:
        drawn |= set(geo["inset"]["areas"])
    m.at, tiles = _place(areas, {code: name for code, name in names.items() if code in drawn})
    ref_w = float(geo["width"])
    parts = []
    y = float(geo["height"])
    if geo["main"] is not None:
        parts.append(_layer_svg(m, geo["main"], names, dot_r=1.1, link=True))
        if geo["inset"] is not None:
            parts.append(_inset_svg(m, geo, names))
    else:
        parts.append(
            f'<text x="{PAD:g}" y="{y + 14:.1f}" font-size="11" fill="{MUTED}">'
            f"{escape(_('这一地区没有可绘制的边界数据'))}</text>"
        )
        y += 20
    legend_svg, legend_h = m.legend_rows(PAD, y + 8, ref_w - 2 * PAD)
    parts.append(legend_svg)
    y += 8 + legend_h
    tiles_svg, tiles_h = m.tiles_block([a.code for a in tiles], PAD, y + 8, ref_w - 2 * PAD, _("无边界数据的地区"))
    parts.append(tiles_svg)
    if tiles_h:
        y += 8 + tiles_h
    ref_h = y + PAD
    return mark_safe(_open(width, ref_w, ref_h, title) + "".join(parts) + "</svg>")  # noqa: S308 - as china_map
