"""The server-side SVG charts: sorted bars with "—" rows last, a reference line, links; a line over years with gaps."""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree

from reporting.charts import BarRow, bar_chart, line_chart, sort_rows
from reporting.numbers import format_value

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def _bar_labels(root: ElementTree.Element) -> list[str]:
    return [g.find(f".//{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def test_bars_are_sorted_best_first_with_no_data_last():
    rows = [BarRow("甲", 5, "5家"), BarRow("乙", None, "—"), BarRow("丙", 50, "50家"), BarRow("丁", 0, "0家")]
    root = _parse(bar_chart(rows))
    assert _bar_labels(root) == ["丙：50家", "甲：5家", "丁：0家", "乙：—"]
    assert root.get("width") and root.get("height") and root.get("viewBox")
    assert "WenQuanYi Micro Hei" in root.get("font-family")
    # lower is better (a rank): the lowest first, no data still last
    assert [r.label for r in sort_rows(rows, better="down")] == ["丁", "甲", "丙", "乙"]


def test_bar_widths_follow_the_values_and_the_no_data_row_has_no_bar():
    rows = [BarRow("a", 10, "10"), BarRow("b", 40, "40"), BarRow("c", None, "—")]
    root = _parse(bar_chart(rows, width=500))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    widths = [float(r.get("width")) for g in bars for r in g.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] == max(widths) and abs(widths[0] / widths[1] - 4) < 0.05
    assert not list(bars[2].iter(f"{SVG}rect")) and "—" in "".join(bars[2].itertext())


def test_reference_line_and_links():
    rows = [BarRow("天津", Decimal("80"), "80.0%", "/enterprises/ledger/?district=120000"),
            BarRow("河北", Decimal("40"), "40.0%", "javascript:alert(1)")]
    svg = bar_chart(rows, reference=Decimal("60"), reference_label="全国 60.0%")
    root = _parse(svg)
    dashed = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert "全国 60.0%" in "".join(root.itertext())
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/enterprises/ledger/?district=120000"]  # a script URL is never linked
    # the bar under the reference is drawn in the muted colour
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert fills[0] != fills[1]


def test_text_is_escaped():
    svg = bar_chart([BarRow('<b>"x"&', 1, "1<")], title="a<b")
    root = _parse(svg)  # well-formed
    assert '<b>"x"&' in "".join(root.itertext())
    assert "<b>" not in svg


def test_empty_and_degenerate_bars():
    _parse(bar_chart([]))
    _parse(bar_chart([BarRow("a", None, "—")]))
    _parse(bar_chart([BarRow("a", 0, "0"), BarRow("b", 0, "0")]))
    root = _parse(bar_chart([BarRow("a", -5, "-5"), BarRow("b", 5, "5")]))
    assert all(float(r.get("width")) > 0 for r in root.iter(f"{SVG}rect"))


def test_line_chart_labels_points_with_the_formatter_and_leaves_gaps():
    years = [2020, 2021, 2022, 2023, 2024]
    values = [Decimal("12000"), Decimal("25000"), None, Decimal("30000"), Decimal("31000")]
    fmt = lambda v: format_value(v, "家")  # noqa: E731
    root = _parse(line_chart(years, values, fmt=fmt, size="large", title="帮扶企业"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "point-label"]
    assert labels == ["1.2万家", "2.5万家", "3.0万家", "3.1万家"]
    # two segments around the gap, and the gap year is marked "—"
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "no-data"] == ["—"]
    assert {"2020", "2024"} <= {t.text for t in root.iter(f"{SVG}text")}
    # higher values are drawn higher
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys == sorted(ys, reverse=True)


def test_small_line_chart_is_small_and_labels_only_the_ends_and_the_peak():
    years = list(range(2020, 2027))
    values = [1, 5, 3, 2, 2, 2, 4]
    svg = line_chart(years, values, fmt=lambda v: f"{v}场", size="small")
    root = _parse(svg)
    assert int(root.get("width")) < 300
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "point-label"]
    assert sorted(labels) == sorted(["1场", "5场", "4场"])
    assert re.search(r"<title>2021：5场</title>", svg)


def test_line_chart_without_data():
    root = _parse(line_chart([2020, 2021], [None, None], fmt=str, size="small"))
    assert not list(root.iter(f"{SVG}polyline"))
    _parse(line_chart([2026], [3], fmt=str))


def test_the_same_markup_goes_into_a_pdf():
    """WeasyPrint draws the inline SVG (no stylesheet, no external reference needed)."""
    from weasyprint import HTML

    from reporting.pdf import StaticOnlyURLFetcher

    bars = bar_chart([BarRow("天津市", 3, "3家"), BarRow("河北省", None, "—")], reference=2, reference_label="平均 2家")
    line = line_chart([2024, 2025, 2026], [1, None, 3], fmt=lambda v: f"{v}家")
    html = f"<html><body><p>图</p>{bars}{line}</body></html>"
    pdf = HTML(string=html, base_url="file:///", url_fetcher=StaticOnlyURLFetcher()).write_pdf(uncompressed_pdf=True)
    assert pdf.startswith(b"%PDF")
    # the charts' rectangles and lines are drawn as vector paths (more than the page's one paragraph would need)
    plain = HTML(string="<html><body><p>图</p></body></html>").write_pdf(uncompressed_pdf=True)
    assert len(pdf) > len(plain) + 1000
