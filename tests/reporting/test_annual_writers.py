"""The annual report's writers: the DOCX (python-docx) and the PDF (WeasyPrint) of a draft, laid out as an official
document after GB/T 9704-2012, and the fonts the PDF embeds covering every character of the 2023 report (seed 000)."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt
from fontTools.ttLib import TTFont
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from reporting.annual import docx as layout
from reporting.annual.docx import draft_docx
from reporting.annual.draft import Draft, Heading, Number, Paragraph, Picture, Table, number, placeholder, text
from reporting.annual.pdf import FREE_FACES, LAST_RESORT, draft_pdf, font_families
from reporting.charts import BarRow, bar_chart
from reporting.maps import MapArea, china_map, map_geometry_ready

# Every distinct character of seed 000 (the 2023 工作总结, whitespace left out), in code point order.
SEED_000_CHARACTERS = (
    "%()+,./0123456789:;—“”、。《》一万三上下不与专且世业东两个中丰临为主举义乏乘习书了争事二于互五井交产享京人亿介仍从代以件价任份企伍优会传估伸但位低体余作你使例供依促俗保信值做健储"
    "元充先免党入全八公共关兴兵其具典养内冈册再农决况准减凝出分切划列则创初利别到制前剖力办功加务动助努励势化北匮区十升协单南占印卷压厚县参及双反发取口召可台号司吃各合吉同名后向员周味命和品响唤售商善四回因"
    "团园困围国圈在地场均坊坚型埔域培基堵塑增壮备复外多够大天央夯头契奖套好如委媒子字存学宁安完官定宜实审客宣家密富对导将小尚尤局层居展属山岛川州巡工巨差市布带席帮常干平年并广庆序应底府度座延建开异式引弱强"
    "当形彰影彻征待很律微德徽心快念态思急性总息悉情惠想愁意愿成我或战截户所手才扎打托扩扶批技把抓投抖报拓招拳持指按挖挥损据捷排掘探接控推措提揽搭摩撑支收改放政效教数整文料断新方施旅日时明是显普景智更最月有"
    "服期未本术机权杆村条来板极构析林果某查柱标栏核根格桂案档桥梁梯梳检植槛模次款步段比民氛水求江沉沙沟河治沿法注津活流测济浑浓浙海消涉润深清港游湖源满滴潜激灌点炼烈焦照熟牌牛牵特状献率环现理瓶甘生用由申电"
    "界略疆痛百的益监盖盘盟目相盼省真着督知短研破础示社神禀福种科积称程税稳穴究空突立站竞端第等答策筹签简管箱篇类精系素索紧累红约级纲纳纺纽纾线组织绍经结绕绘给统绩续维综绿编缺署羊群老考者耕职联聚肃育能脉自"
    "至致良色节芪花苏范荣药获菌菜营落著薄薯虑虞虽融行衍衔衡补表被装西要覆见观规视角解计认讨训议记论设证评识诊试说诸课调谈象负贡财责质购贯贴贷贸费资赋赢超越足跟跨踪身车转轮软载较辽达过运近进远连迫述适选逐递"
    "通速造遍道遴部配醒采释重量金针银铺链销错键锻长门问间队防阶附际降限陕院陷随障难集雨零需青非靠面革靶韧音项领颈频题额食餐饮馈首驱验骨高鲜黄鼓龙（），"
)
# What the model and the writers add: full-width punctuation, the placeholders' 【待补充：】, Latin letters.
WRITTEN_CHARACTERS = "，：；（）【】％！？·—ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
OPENING = (
    "习近平总书记高度重视中小企业发展，强调“中小企业能办大事”“要切实解决企业特别是中小微企业面临的实际困难”。"
    "中小微企业是国民经济和社会发展的重要组成部分，是提升产业链供应链稳定性和竞争力的关键环节。"
)
COUNTRY = "000000"
YEAR = 2023


def _number(key: str, value: Any, written: str) -> Number:
    return Number(key=key, unit_code=COUNTRY, year=YEAR, value=value, text=written)


POLICIES = _number("policies_issued", 1108, "1108项")
ASSISTED = _number("enterprises_assisted", 30000, "3.0万家")
FEES = _number("fee_reduction", 3960, "3960万元")


def _draft(*, pictures: bool = False, repeat: int = 1) -> Draft:
    blocks: list[Any] = [
        Paragraph([text(OPENING)]),
        Paragraph([text("2023年，全国各地累计出台激励政策"), number(POLICIES), text("，"), number(ASSISTED),
                   text("小微企业获得精准帮扶，减免认证费用"), number(FEES), text("。"),
                   placeholder("开篇：贯彻落实党中央、国务院决策部署的情况")]),
        Heading("一、工作举措与成效", 1),
        Heading("（一）强化统筹推进，质量提升氛围更加浓厚", 2),
        Paragraph([text("一是加强政策引导。", bold=True), text("总局深入贯彻落实《质量强国建设纲要》决策部署。"),
                   placeholder("政策激励的典型做法")], lead="（一）强化统筹推进，质量提升氛围更加浓厚。"),
        Table(caption="表1  2023年度工作成效评估排名", headers=["排名", "单位", "总分"],
              rows=[["1", "浙江省", "95.5"], ["2", "江苏省", "94.0"], ["3", "河北省", "93.2"]]),
    ]
    if pictures:
        rows = [BarRow("浙江", 3000, "3000家"), BarRow("江苏", 2000, "2000家"), BarRow("西藏", None, "—")]
        blocks.append(Picture(bar_chart(rows, title="精准帮扶企业数"), "图1  2023年各省级单位精准帮扶企业数", 14.0))
        map_geometry_ready()
        areas = [MapArea("330000", "浙江", 3000.0, "3000家"), MapArea("320000", "江苏", 2000.0, "2000家")]
        svg = china_map(areas, title="精准帮扶企业数", legend_title="家", fmt=lambda v: f"{v:.0f}家",
                        no_data_label="无数据")
        blocks.append(Picture(svg, "图2  2023年各省级单位精准帮扶企业数分布"))
    for round_ in range(repeat):
        blocks.append(Heading(f"{'二三四五六七八九十'[round_ % 9]}、全部用字", 1))
        for start in range(0, len(SEED_000_CHARACTERS), 100):
            chunk = SEED_000_CHARACTERS[start:start + 100]
            blocks.append(Paragraph([text(chunk)]))
            blocks.append(Paragraph([text(chunk, bold=True)], lead=chunk[:20]))
        blocks.append(Heading(SEED_000_CHARACTERS[:60], 2))
    return Draft(title="2023年度“小微企业质量管理体系认证提升行动”工作总结", year=YEAR, scope_code=COUNTRY,
                 scope_name="全国", blocks=blocks, issuer="市场监管总局认证监管司", date_text="2024年1月15日")


@pytest.fixture(scope="module")
def draft() -> Draft:
    return _draft(pictures=True)


@pytest.fixture(scope="module")
def docx_bytes(draft: Draft) -> bytes:
    return draft_docx(draft)


@pytest.fixture(scope="module")
def document(docx_bytes: bytes) -> Any:
    return Document(io.BytesIO(docx_bytes))


@pytest.fixture(scope="module")
def pdf_bytes(draft: Draft) -> bytes:
    return draft_pdf(draft)


@pytest.fixture(scope="module")
def pdf(pdf_bytes: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf_bytes))


def _body_paragraphs(document: Any) -> list[Any]:
    return list(document.paragraphs)


# --- DOCX -------------------------------------------------------------------------------------------------------


def test_docx_page_is_a4_with_the_official_margins_and_grid(document):
    section = document.sections[0]
    assert round(section.page_width.mm, 1) == 210.0 and round(section.page_height.mm, 1) == 297.0
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    type_width = Emu(section.page_width - section.left_margin - section.right_margin)
    type_height = Emu(section.page_height - section.top_margin - section.bottom_margin)
    assert (round(type_width.mm), round(type_height.mm)) == (156, 225)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(grid.get(qn("w:linePitch"))) == 579  # 22 lines in 225 mm
    # 28 characters of 16 pt in 156 mm: each pitch is 16 pt + charSpace/4096 pt
    pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert 28 * pitch == pytest.approx(type_width.pt, abs=0.5)


def _fonts(element: Any) -> dict[str, str]:
    fonts = element.find(qn("w:rPr")).find(qn("w:rFonts"))
    return {key.split("}")[1]: value for key, value in fonts.attrib.items()}


def test_docx_styles_name_the_official_faces(document):
    styles = document.styles
    normal = styles["Normal"]
    assert _fonts(normal.element) == {"ascii": "仿宋_GB2312", "hAnsi": "仿宋_GB2312", "eastAsia": "仿宋_GB2312",
                                      "cs": "仿宋_GB2312"}
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28.95)  # exact: 22 lines to the page
    assert normal.paragraph_format.first_line_indent == Pt(32)  # two characters
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert _fonts(defaults)["eastAsia"] == "仿宋_GB2312"
    assert not any("Theme" in key or "theme" in key for key in _fonts(defaults))  # a theme font would win
    assert _fonts(styles["Heading 1"].element)["eastAsia"] == "黑体"
    assert _fonts(styles["Heading 2"].element)["eastAsia"] == "楷体_GB2312"
    for name in ("Heading 1", "Heading 2"):
        assert styles[name].font.size == Pt(16) and styles[name].font.bold is False
        assert not any("heme" in key for key in _fonts(styles[name].element))
    title = styles[layout.TITLE_STYLE]
    assert _fonts(title.element)["eastAsia"] == "方正小标宋简体" and title.font.size == Pt(22)
    assert title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _fonts(styles[layout.LEAD_STYLE].element)["eastAsia"] == "楷体_GB2312"
    assert _fonts(styles["Footer"].element)["eastAsia"] == "宋体" and styles["Footer"].font.size == Pt(14)


def test_docx_font_table_names_the_fallbacks(docx_bytes):
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        table = etree.fromstring(archive.read("word/fontTable.xml"))
    alternatives = {f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
                    for f in table.findall(qn("w:font")) if f.find(qn("w:altName")) is not None}
    assert "FangSong" in alternatives["仿宋_GB2312"].split(",")
    assert "宋体" in alternatives["方正小标宋简体"].split(",")
    assert "SimHei" in alternatives["黑体"].split(",")


def test_docx_has_the_title_and_every_block_in_order(document, draft):
    paragraphs = _body_paragraphs(document)
    assert paragraphs[0].text == draft.title and paragraphs[0].style.name == layout.TITLE_STYLE
    texts = [p.text for p in paragraphs]
    position = 0
    for block in draft.blocks:
        if isinstance(block, Heading | Paragraph):
            wanted = block.text if isinstance(block, Heading) else block.plain
        elif isinstance(block, Picture | Table):
            wanted = block.caption
        found = texts.index(wanted, position)
        if isinstance(block, Heading):
            assert paragraphs[found].style.name == ("Heading 1" if block.level == 1 else "Heading 2")
        position = found + 1
    assert texts[-2:] == [draft.issuer, draft.date_text]
    for closing in paragraphs[-2:]:
        assert closing.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert closing.style.paragraph_format.right_indent == Pt(32)


def test_docx_runs_keep_lead_bold_and_highlighted_placeholders(document, draft):
    runs = [run for p in _body_paragraphs(document) for run in p.runs]
    placeholders = [r for r in runs if r.text.startswith("【待补充：")]
    assert [r.text for r in placeholders] == draft.placeholders() and placeholders
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in placeholders)
    assert not [r.text for r in runs if r.font.highlight_color is not None and r not in placeholders]
    assert any(r.text == "一是加强政策引导。" and r.bold for r in runs)
    leads = [r for r in runs if r.style is not None and r.style.name == layout.LEAD_STYLE]
    assert "（一）强化统筹推进，质量提升氛围更加浓厚。" in [r.text for r in leads]
    numbers = {n.text for n in draft.numbers()}
    assert numbers <= {r.text for r in runs}


def test_docx_embeds_the_pictures_as_png_with_captions_under_them(document, docx_bytes, draft):
    pictures = draft.pictures()
    shapes = document.inline_shapes
    assert len(shapes) == len(pictures) == 2
    for shape, picture in zip(shapes, pictures, strict=True):
        assert abs(shape.width - Cm(min(picture.width_cm, 15.6))) < Mm(0.1)
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        images = [name for name in archive.namelist() if name.startswith("word/media/")]
        assert len(images) == 2
        widths = sorted(struct.unpack(">I", archive.read(name)[16:20])[0] for name in images)
        assert all(archive.read(name)[:8] == b"\x89PNG\r\n\x1a\n" for name in images)
    # 150 dpi across the picture's width
    assert widths == sorted(round(min(p.width_cm, 15.6) / 2.54 * 150) for p in pictures)
    paragraphs = _body_paragraphs(document)
    holders = [i for i, p in enumerate(paragraphs) if p._p.xpath(".//pic:pic")]
    for index, picture in zip(holders, pictures, strict=True):
        assert paragraphs[index].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
        caption = paragraphs[index + 1]
        assert caption.text == picture.caption and caption.style.name == layout.CAPTION_STYLE
        assert _fonts(caption.style.element)["eastAsia"] == "黑体"
        assert caption.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_docx_tables_are_bordered_with_a_repeated_header_row(document, draft):
    (block,) = [b for b in draft.blocks if isinstance(b, Table)]
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == block.headers
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == block.rows
    assert table.style.name == "Table Grid"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for r in table.rows[0].cells[0].paragraphs[0].runs)
    previous = table._tbl.getprevious()
    assert previous.xpath("string(.)") == block.caption


def test_docx_page_numbers_odd_right_even_left(document, docx_bytes):
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, alignment, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                    (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        (paragraph,) = footer.paragraphs
        assert paragraph.alignment == alignment
        assert getattr(paragraph.paragraph_format, f"{side}_indent") == Pt(14)  # one 4号 character in
        assert paragraph.text == "— 1 —"
        assert paragraph._p.xpath("string(.//w:instrText)").strip() == "PAGE"
    # the dashes 7 mm under the type area: the footer's bottom edge a 4号 line's height lower
    below_type_area = Emu(section.bottom_margin - section.footer_distance)
    assert 7 < below_type_area.mm < 7 + Pt(14).mm


# --- PDF --------------------------------------------------------------------------------------------------------


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _fonts_of(resources: Any, seen: set[int]) -> Iterator[DictionaryObject]:
    """Every font of a resource dictionary and of the forms (the SVG pictures) it draws, once."""
    resources = _resolve(resources)
    if not resources:
        return
    for font in _resolve(resources.get("/Font", {})).values():
        font = _resolve(font)
        if id(font) not in seen:
            seen.add(id(font))
            yield font
    for xobject in _resolve(resources.get("/XObject", {})).values():
        xobject = _resolve(xobject)
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
            seen.add(id(xobject))
            yield from _fonts_of(xobject.get("/Resources"), seen)
    for pattern in _resolve(resources.get("/Pattern", {})).values():
        pattern = _resolve(pattern)
        if id(pattern) not in seen and "/Resources" in pattern:
            seen.add(id(pattern))
            yield from _fonts_of(pattern["/Resources"], seen)


def _pdf_fonts(reader: PdfReader) -> list[DictionaryObject]:
    seen: set[int] = set()
    return [font for page in reader.pages for font in _fonts_of(page.get("/Resources"), seen)]


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        return all(_embedded(_resolve(d)) for d in _resolve(font["/DescendantFonts"]))
    descriptor = _resolve(font.get("/FontDescriptor"))
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _base_name(font: DictionaryObject) -> str:
    """The family as WeasyPrint names it ("ABCDEF+AR-PL-KaitiM-GB-Bold" -> "AR-PL-KaitiM-GB")."""
    name = str(font["/BaseFont"]).lstrip("/")
    name = name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name
    return re.sub(r"-(Bold|Medium|Regular|Book|Light)$", "", name)


def _pdf_text(reader: PdfReader) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_pdf_is_a4_with_numbered_pages(pdf):
    assert len(pdf.pages) >= 2
    for page in pdf.pages:
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == (595.3, 841.9)
    for index in (0, 1):
        xs: list[float] = []

        def visit(text_: str, cm: Any, tm: Any, font: Any, size: Any, xs: list[float] = xs) -> None:
            if re.fullmatch(r"\s*—\s*\d+\s*—?\s*|\s*\d+\s*", text_ or "") and tm[5] * cm[3] + cm[5] < 100:
                xs.append(tm[4] * cm[0] + cm[4])

        page = pdf.pages[index]
        assert f"— {index + 1} —" in page.extract_text(visitor_text=visit)
        assert xs, "the page number is at the foot of the page"
        middle = float(page.mediabox.width) / 2
        assert (min(xs) > middle) if index == 0 else (max(xs) < middle)  # odd right, even left


def test_pdf_embeds_every_font(pdf, pdf_bytes):
    fonts = _pdf_fonts(pdf)
    assert fonts
    assert not [str(f.get("/BaseFont")) for f in fonts if f.get("/Subtype") == "/Type3"]
    assert not [str(f.get("/BaseFont")) for f in fonts if not _embedded(f)]
    # WeasyPrint embeds subsets: the whole fonts are 4–17 MB
    assert len(pdf_bytes) < 3_000_000


def test_pdf_writes_every_number_placeholder_and_caption(pdf, draft):
    written = _pdf_text(pdf)
    for n in draft.numbers():
        assert n.text in written
    for value in draft.placeholders() + [p.caption for p in draft.pictures()] + [draft.title, draft.issuer]:
        assert re.sub(r"\s+", "", value) in written
    table = next(b for b in draft.blocks if isinstance(b, Table))
    assert all(cell in written for row in table.rows for cell in row)


def test_pdf_highlights_placeholders():
    with_placeholder = draft_pdf(_draft(), uncompressed_pdf=True)
    plain = _draft()
    plain.blocks = [b for b in plain.blocks if not (isinstance(b, Paragraph) and any(r.placeholder for r in b.runs))]
    assert b"1 1 0 rg" in with_placeholder  # the yellow behind 【待补充：…】
    assert b"1 1 0 rg" not in draft_pdf(plain, uncompressed_pdf=True)


# --- fonts ------------------------------------------------------------------------------------------------------


@cache
def _installed() -> dict[str, tuple[str, int]]:
    """fontconfig's fonts: every family name -> (file, index in a collection)."""
    listing = subprocess.run(["fc-list", "--format", "%{family}\t%{file}\t%{index}\n"], check=True,
                             capture_output=True, text=True).stdout
    found: dict[str, tuple[str, int]] = {}
    for line in listing.splitlines():
        families, file, index = line.split("\t")
        for family in families.split(","):
            found.setdefault(family.strip(), (file, int(index or 0)))
    return found


@cache
def _cmap(family: str) -> frozenset[int]:
    file, index = _installed()[family]
    return frozenset(TTFont(file, fontNumber=index, lazy=True).getBestCmap())


def test_the_free_faces_are_installed():
    missing = sorted({f for faces in FREE_FACES.values() for f in (*faces, LAST_RESORT)} - set(_installed()))
    assert not missing, f"install the Debian fonts of scripts/install.sh: {missing}"


@pytest.mark.parametrize("role", sorted(layout.FACES))
def test_every_character_of_seed_000_has_a_glyph_in_the_faces_own_fonts(role):
    """Each character in a font of the face's list before the last resort (仿宋 and 楷 in 仿宋 or 楷 fonts, the title in
    a 宋 font) — 黑体 is WenQuanYi Micro Hei itself."""
    families = [f for f in font_families(role) if f in _installed()]
    own = [f for f in families if f != LAST_RESORT] or [LAST_RESORT]
    characters = set(SEED_000_CHARACTERS + WRITTEN_CHARACTERS)
    missing = sorted(c for c in characters if not any(ord(c) in _cmap(f) for f in own))
    assert not missing, f"{role}: no glyph in {own} for {''.join(missing)}"


def test_pdf_of_every_character_uses_only_the_listed_fonts(pdf):
    """No character falls to a font outside the lists (fontconfig's last resort) or to no font at all."""
    listed = {name for role in layout.FACES for name in font_families(role)}
    allowed = {name.replace(" ", "-") for name in listed}
    allowed |= {TTFont(*_installed()[name][:1], fontNumber=_installed()[name][1], lazy=True)["name"]
                .getDebugName(6) for name in listed if name in _installed()}
    used = {_base_name(font) for font in _pdf_fonts(pdf)}
    assert used and used <= allowed, used - allowed
    assert {"cwTeXFangSong", "AR-PL-KaitiM-GB"} <= used  # the 仿宋 and the 楷 the text falls back to
    written = set(_pdf_text(pdf))
    assert not sorted(set(SEED_000_CHARACTERS) - written)


def test_a_seed_sized_report_stays_small():
    """Fonts are embedded as subsets: a report as long as seed 000 stays a few hundred kB, not the fonts' 20 MB.
    (How long it takes is measured by benchmarks/analytics.py, report_s.)"""
    draft = _draft(pictures=True, repeat=15)  # ~25,800 characters of text: seed 000 has 25,000
    assert sum(len(p.plain) for p in draft.paragraphs()) > 23_000
    docx, pdf = draft_docx(draft), draft_pdf(draft)
    assert len(pdf) < 5_000_000 and len(docx) < 2_000_000
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 15
