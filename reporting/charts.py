"""Server-side SVG charts of the programme's figures: a sorted horizontal bar chart and a line chart over years.

Plain SVG 1.1 in the house style of ``assessments/charts.py``: an explicit width, height and viewBox, fills and
strokes inline (no class a page stylesheet would have to define), every text escaped, the CJK font family, no
script and no external reference. The same markup is inlined in a page, in a WeasyPrint PDF and (through a PNG) in
a document. The caller formats every figure (``Indicator.format``): the charts draw numbers, they never write them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
BAR = "#1565c0"
BAR_LOW = "#90a4ae"  # bars below the reference line
REFERENCE = "#b71c1c"
AXIS = "#d8dee4"
MUTED = "#636c76"
TEXT = "#1f2328"
NO_DATA = "—"

Number = int | float | Decimal


@dataclass(frozen=True)
class BarRow:
    label: str  # the unit's name
    value: Number | None  # None = no data: the row is kept, at the bottom, with "—"
    text: str  # the formatted value, e.g. "240家"
    url: str = ""  # the records behind the bar


def _svg_open(width: int, height: int, *, css_class: str, title: str) -> str:
    label = f' aria-label={quoteattr(title)}' if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'class="{css_class}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="{FONT}" font-size="12" role="img"{label}>')


def _link(url: str, inner: str) -> str:
    if not url or not url.startswith(("/", "http://", "https://")):
        return inner
    href = quoteattr(url)
    return f"<a href={href} xlink:href={href}>{inner}</a>"


def _text_width(text: str, size: float) -> float:
    """A CJK character is about one em wide, Latin letters and digits about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def _fit(text: str, size: float, room: float) -> str:
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def sort_rows(rows: Sequence[BarRow], *, better: str = "up") -> list[BarRow]:
    """Best first (highest, or lowest when lower is better), rows without data last (in their given order)."""
    present = [r for r in rows if r.value is not None]
    missing = [r for r in rows if r.value is None]
    present.sort(key=lambda r: float(r.value or 0), reverse=better != "down")
    return present + missing


def bar_chart(rows: Sequence[BarRow], *, title: str = "", better: str = "up", reference: Number | None = None,
              reference_label: str = "", width: int = 560, sort: bool = True) -> SafeString:
    """A horizontal bar per row, sorted (best first; "—" rows kept at the bottom), each bar linked to its records
    when the row has a ``url``; a dashed vertical line at ``reference`` (the national value or the average) with
    ``reference_label`` (already formatted) above it."""
    ordered = sort_rows(rows, better=better) if sort else list(rows)
    size, row_h = 12, 20
    top = 26 if title else 8
    if reference is not None:
        top += 14
    label_w = min(150, max(60, int(max((_text_width(r.label, size) for r in ordered), default=40) + 10)))
    value_w = int(max((_text_width(r.text, size) for r in ordered), default=20) + 12)
    plot_w = max(60, width - label_w - value_w - 8)
    height = top + row_h * max(len(ordered), 1) + 8
    values = [float(r.value) for r in ordered if r.value is not None]
    if reference is not None:
        values.append(float(reference))
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return label_w + (v - low) / span * plot_w

    zero = x(0.0)
    parts = [_svg_open(width, height, css_class="bar-chart", title=title)]
    if title:
        parts.append(f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{TEXT}">{escape(title)}</text>')
    parts.append(f'<line x1="{zero:.1f}" y1="{top - 2}" x2="{zero:.1f}" y2="{height - 6}" stroke="{AXIS}"/>')
    if reference is not None:  # drawn first: the bars and their figures lie over it
        rx = x(float(reference))
        parts.append(f'<line x1="{rx:.1f}" y1="{top - 4}" x2="{rx:.1f}" y2="{height - 6}" stroke="{REFERENCE}" '
                     f'stroke-width="1.2" stroke-dasharray="4 3" stroke-opacity="0.7"/>')
        anchor = "end" if rx > width - 80 else "middle" if rx > label_w + 60 else "start"
        parts.append(f'<text x="{rx:.1f}" y="{top - 7}" text-anchor="{anchor}" font-size="11" fill="{REFERENCE}">'
                     f'{escape(reference_label)}</text>')
    if not ordered:
        parts.append(f'<text x="{label_w}" y="{top + 14}" fill="{MUTED}">{NO_DATA}</text>')
    for i, row in enumerate(ordered):
        y = top + i * row_h
        label = escape(_fit(row.label, size, label_w - 8))
        inner = [f'<title>{escape(row.label)}：{escape(row.text)}</title>',
                 f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{label}</text>']
        if row.value is None:
            inner.append(f'<text x="{zero + 4:.1f}" y="{y + 14}" fill="{MUTED}">{escape(row.text or NO_DATA)}</text>')
        else:
            v = float(row.value)
            x0, x1 = sorted((zero, x(v)))
            below = reference is not None and (v < float(reference) if better != "down" else v > float(reference))
            fill = BAR_LOW if below else BAR
            inner.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1.0):.1f}" height="{row_h - 6}" '
                         f'fill="{fill}"/>')
            inner.append(f'<text x="{max(x1, zero) + 4:.1f}" y="{y + 14}" fill="{TEXT}">{escape(row.text)}</text>')
        parts.append(f'<g class="bar" data-value="{"" if row.value is None else escape(str(row.value))}">'
                     + _link(row.url, "".join(inner)) + "</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node and attribute above is escaped


SIZES = {"small": (240, 120), "large": (680, 280)}


def line_chart(years: Sequence[int], values: Sequence[Number | None], *, fmt: Callable[[Number], str],
               title: str = "", size: str = "large", colour: str = BAR) -> SafeString:
    """A series over years: a line through the years with data (a gap where a year has none), each point
    labelled with ``fmt`` (in the small size only the first and last points, and the highest)."""
    width, height = SIZES.get(size, SIZES["large"])
    small = size == "small"
    font = 10 if small else 12
    top = (18 if small else 26) if title else 8
    top += font + 4  # room for the labels above the points
    bottom, left, right = font + 10, 14 if small else 24, 14 if small else 24
    plot_w, plot_h = width - left - right, height - top - bottom
    present = [float(v) for v in values if v is not None]
    low, high = min([0.0, *present]), max([0.0, *present])
    span = (high - low) or 1.0
    n = len(years)
    step = plot_w / (n - 1) if n > 1 else 0.0

    def px(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h - (v - low) / span * plot_h

    parts = [_svg_open(width, height, css_class=f"line-chart line-chart-{'small' if small else 'large'}", title=title)]
    if title:
        parts.append(f'<text x="0" y="{12 if small else 16}" font-size="{font + 1}" font-weight="bold" '
                     f'fill="{TEXT}">{escape(title)}</text>')
    base = py(0.0)
    parts.append(f'<line x1="{left}" y1="{base:.1f}" x2="{width - right}" y2="{base:.1f}" stroke="{AXIS}"/>')
    for i, year in enumerate(years):
        if small and n > 4 and 0 < i < n - 1:
            continue
        parts.append(f'<text x="{px(i):.1f}" y="{height - 4}" text-anchor="middle" font-size="{font}" '
                     f'fill="{MUTED}">{year}</text>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{px(i):.1f},{py(float(v)):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    indexed = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    labelled = {i for i, _v in indexed}
    if small and indexed:
        labelled = {indexed[0][0], indexed[-1][0], max(indexed, key=lambda p: p[1])[0]}
    for i, v in enumerate(values):
        if v is None:
            parts.append(f'<text x="{px(i):.1f}" y="{base - 4:.1f}" text-anchor="middle" font-size="{font}" '
                         f'fill="{MUTED}" class="no-data">{NO_DATA}</text>')
            continue
        cx, cy = px(i), py(float(v))
        text = escape(fmt(v))
        when = str(years[i]) if i < len(years) else ""
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{2.5 if small else 3.5}" fill="{colour}">'
                     f'<title>{when}：{text}</title></circle>')
        if i in labelled:
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(f'<text x="{cx:.1f}" y="{cy - 6:.1f}" text-anchor="{anchor}" font-size="{font}" '
                         f'fill="{TEXT}" class="point-label">{text}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node and attribute above is escaped
