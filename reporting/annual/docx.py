"""The annual report as a DOCX laid out after GB/T 9704-2012 (党政机关公文格式), with python-docx.

The page is A4 with margins of 37 mm (top), 35 mm (bottom), 28 mm (left) and 26 mm (right): a type area of
156 × 225 mm holding 22 lines of 28 characters of 3号 (16 pt) 仿宋 — the document grid says so, and the body's fixed
line spacing (``LINE_PITCH_PT``) keeps it. The title is 2号 (22 pt) 方正小标宋简体 centred; level-1 headings
("一、……") 黑体 and level-2 headings ("（一）……") 楷体, both 3号 and indented two characters like the text; a
paragraph's lead-in is 楷体 and a bold run bold. Pictures are PNG (the same SVG as the PDF's, through
``reporting.maps.svg_png`` at 150 dpi) with the caption centred under them; tables are bordered, with the caption
above and the header row repeated on every page. The signature and the date stand under the text, right-aligned
two characters in. Page numbers are 4号 宋体 "— 1 —" 7 mm under the type area, as the standard has them for
double-sided printing: odd pages on the right, even pages on the left, one character in.

Fonts are named as Windows and WPS install them (``FACES``): each style sets the ascii, hAnsi and East-Asian fonts
(``w:rFonts``), and the font table lists the other names a machine may know the font by (``w:altName``: "仿宋",
"FangSong" for 仿宋_GB2312), so a computer without the GB2312 fonts shows the same faces. A placeholder run is
highlighted yellow (and written in 【】 by the model), so no draft goes out with it unnoticed.

The same geometry (``TYPE_AREA_MM``, ``MARGINS_MM``, ``CHAR_PITCH_PT``, ``LINE_PITCH_PT``) lays out the PDF
(``reporting.annual.pdf``).
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt, RGBColor
from docx.styles.style import CharacterStyle, ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from reporting.maps import svg_png

from .draft import Draft, Heading, Paragraph, Picture, Run, Table

# GB/T 9704-2012 5.2: A4, the type area 156 mm × 225 mm; 天头 37 mm, 订口 28 mm (so 35 mm below, 26 mm right).
PAGE_MM = (210.0, 297.0)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TYPE_AREA_MM = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"],
                PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"])
CHARS_PER_LINE, LINES_PER_PAGE = 28, 22  # 5.2.2: 每行排28个字，每面排22行
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, SMALL_PT, TABLE_PT = 16.0, 22.0, 14.0, 14.0, 12.0  # 3号, 2号, 4号, 4号, 小四
CHAR_PITCH_PT = TYPE_AREA_MM[0] / 25.4 * 72 / CHARS_PER_LINE  # 15.79 pt: 16 pt characters set a little tight
LINE_PITCH_PT = 28.95  # 225 mm / 22 lines, in whole twips (579) as Word's grid keeps it
TITLE_LINE_PT = 36.0  # a two-line title at 22 pt
PAGE_NUMBER_BELOW_MM = 7.0  # 7.5: the dashes 7 mm under the type area
PICTURE_DPI = 150

# The faces by role: the name a style sets first, then the names the font table lists as alternatives.
FACES: dict[str, tuple[str, ...]] = {
    "fangsong": ("仿宋_GB2312", "仿宋", "FangSong"),  # the text
    "kaiti": ("楷体_GB2312", "楷体", "KaiTi"),  # level-2 headings, lead-ins
    "heiti": ("黑体", "SimHei"),  # level-1 headings, captions
    "xiaobiaosong": ("方正小标宋简体", "方正小标宋_GBK", "宋体", "SimSun"),  # the title
    "songti": ("宋体", "SimSun"),  # page numbers
}

LEAD_STYLE = "Lead-in"  # the 楷体 character style of a paragraph's lead-in
TITLE_STYLE = "Document Title"
CAPTION_STYLE = "Caption"
TABLE_STYLE = "Table Text"
SIGNATURE_STYLE = "Signature Line"


def face(role: str) -> str:
    return FACES[role][0]


def draft_docx(draft: Draft) -> bytes:
    """The draft as a .docx file."""
    document = Document()
    _page_setup(document)
    _styles(document)
    _font_table(document)
    _page_numbers(document)
    document.add_paragraph(draft.title, style=TITLE_STYLE)
    document.add_paragraph("", style="Normal").paragraph_format.first_line_indent = Pt(0)  # 标题下空一行
    for block in draft.blocks:
        if isinstance(block, Heading):
            document.add_paragraph(block.text, style="Heading 1" if block.level <= 1 else "Heading 2")
        elif isinstance(block, Paragraph):
            _paragraph(document, block)
        elif isinstance(block, Picture):
            _picture(document, block)
        elif isinstance(block, Table):
            _table(document, block)
        else:  # pragma: no cover - the model has no other block
            raise TypeError(f"unknown block {type(block).__name__}")
    if draft.issuer or draft.date_text:
        document.add_paragraph("", style="Normal")  # 正文下空一行
        for line in (draft.issuer, draft.date_text):
            if line:
                document.add_paragraph(line, style=SIGNATURE_STYLE)

    core = document.core_properties
    core.title, core.language, core.author = draft.title, "zh-CN", draft.issuer or ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- page -------------------------------------------------------------------------------------------------------


def _page_setup(document: DocumentObject) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    # The footer's bottom edge: the dashes (mid-height of a 4号 line) 7 mm under the type area.
    section.footer_distance = Emu(Mm(MARGINS_MM["bottom"] - PAGE_NUMBER_BELOW_MM) - Pt(PAGE_NUMBER_PT * 0.65))
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    grid.set(qn("w:charSpace"), str(round((CHAR_PITCH_PT - BODY_PT) * 4096)))


def _page_numbers(document: DocumentObject) -> None:
    """"— N —" in 4号 宋体: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    sides = ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT))
    for footer, alignment in sides:
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles["Footer"]
        paragraph.alignment = alignment
        fmt = paragraph.paragraph_format
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            fmt.left_indent = Pt(PAGE_NUMBER_PT)
        paragraph.add_run("— ")
        _page_field(paragraph)
        paragraph.add_run(" —")


def _page_field(paragraph: DocxParagraph) -> None:
    begin, code, separate, shown, end = (paragraph.add_run() for _ in range(5))
    begin._r.append(_fld_char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    code._r.append(instr)
    separate._r.append(_fld_char("separate"))
    shown.text = "1"
    end._r.append(_fld_char("end"))


def _fld_char(kind: str) -> Any:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


# --- styles -----------------------------------------------------------------------------------------------------


def _set_face(fonts: Any, role: str) -> None:
    """Name the face on a ``w:rFonts``: ascii, hAnsi, East-Asian and complex script, and no theme font (a theme
    attribute would win over the name)."""
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face(role))


def _run_look(style: ParagraphStyle | CharacterStyle, role: str, size: float, *, bold: bool = False) -> None:
    _set_face(style.element.get_or_add_rPr().get_or_add_rFonts(), role)
    font = style.font
    font.size = Pt(size)
    font.bold = font.cs_bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    size_cs = rpr.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = OxmlElement("w:szCs")
        rpr.find(qn("w:sz")).addnext(size_cs)  # the schema's order: w:sz, then w:szCs
    size_cs.set(qn("w:val"), str(round(size * 2)))


def _text_block(style: ParagraphStyle, *, indent: bool, line_pt: float | None = LINE_PITCH_PT,
                alignment: Any = WD_ALIGN_PARAGRAPH.JUSTIFY) -> None:
    fmt = style.paragraph_format
    fmt.alignment = alignment
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(2 * BODY_PT) if indent else Pt(0)
    fmt.left_indent = fmt.right_indent = Pt(0)
    if line_pt is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing = Pt(line_pt)  # a Length: exact
    fmt.widow_control = True


def _styles(document: DocumentObject) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_face(rpr.find(qn("w:rFonts")), "fangsong")
    for tag, value in (("w:sz", str(round(BODY_PT * 2))), ("w:szCs", str(round(BODY_PT * 2)))):
        element = rpr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            rpr.append(element)
        element.set(qn("w:val"), value)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr_default.find(qn("w:spacing"))
    if spacing is not None:
        ppr_default.remove(spacing)

    normal = styles["Normal"]
    _run_look(normal, "fangsong", BODY_PT)
    _text_block(normal, indent=True)

    title = styles.add_style(TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = normal
    title.next_paragraph_style = normal
    title.quick_style = True
    _run_look(title, "xiaobiaosong", TITLE_PT)
    _text_block(title, indent=False, line_pt=TITLE_LINE_PT, alignment=WD_ALIGN_PARAGRAPH.CENTER)

    for name, role in (("Heading 1", "heiti"), ("Heading 2", "kaiti")):
        heading = styles[name]
        _run_look(heading, role, BODY_PT)
        _text_block(heading, indent=True)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.keep_together = True  # the outline level of the template stays (navigation pane)

    lead = styles.add_style(LEAD_STYLE, WD_STYLE_TYPE.CHARACTER)
    lead.quick_style = True
    _set_face(lead.element.get_or_add_rPr().get_or_add_rFonts(), "kaiti")

    caption = styles[CAPTION_STYLE]
    caption.hidden = False
    caption.quick_style = True
    _run_look(caption, "heiti", SMALL_PT)
    _text_block(caption, indent=False, alignment=WD_ALIGN_PARAGRAPH.CENTER)

    table_text = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    _run_look(table_text, "fangsong", TABLE_PT)
    _text_block(table_text, indent=False, line_pt=TABLE_PT * 1.5, alignment=WD_ALIGN_PARAGRAPH.CENTER)

    signature = styles.add_style(SIGNATURE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    signature.base_style = normal
    _text_block(signature, indent=False, alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = Pt(2 * BODY_PT)  # 右空二字
    signature.paragraph_format.keep_with_next = True

    footer = styles["Footer"]
    _run_look(footer, "songti", PAGE_NUMBER_PT)
    _text_block(footer, indent=False, line_pt=None, alignment=WD_ALIGN_PARAGRAPH.RIGHT)


def _font_table(document: DocumentObject) -> None:
    """List each face with its other names (w:altName, comma-separated) and the GB2312 character set, so Word and
    WPS find 仿宋 where 仿宋_GB2312 is not installed."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    listed = {f.get(qn("w:name")) for f in table.findall(qn("w:font"))}
    for names in FACES.values():
        if names[0] in listed:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), names[0])
        for tag, value in (("w:altName", ",".join(names[1:])), ("w:charset", "86"), ("w:family", "modern"),
                           ("w:pitch", "fixed")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            font.append(element)
        table.append(font)
        listed.add(names[0])
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- blocks -----------------------------------------------------------------------------------------------------


def _paragraph(document: DocumentObject, block: Paragraph) -> None:
    paragraph = document.add_paragraph(style="Normal")
    if block.lead:
        paragraph.add_run(block.lead, style=LEAD_STYLE)
    for run in block.runs:
        _run(paragraph, run)


def _run(paragraph: DocxParagraph, run: Run) -> None:
    out = paragraph.add_run(run.text)
    if run.bold:
        out.bold = True
    if run.placeholder:
        out.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _picture(document: DocumentObject, block: Picture) -> None:
    width_cm = min(block.width_cm, TYPE_AREA_MM[0] / 10)
    png = svg_png(block.svg, round(width_cm / 2.54 * PICTURE_DPI))
    holder = document.add_paragraph(style="Normal")
    fmt = holder.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE  # a fixed line would cut the picture to one line's height
    fmt.keep_with_next = True
    holder.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
    if block.caption:
        document.add_paragraph(block.caption, style=CAPTION_STYLE)


def _table(document: DocumentObject, block: Table) -> None:
    if block.caption:
        caption = document.add_paragraph(block.caption, style=CAPTION_STYLE)
        caption.paragraph_format.keep_with_next = True
    columns = max([1, len(block.headers), *(len(row) for row in block.rows)])
    table = document.add_table(rows=0, cols=columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, cells in enumerate([block.headers, *block.rows] if block.headers else block.rows):
        row = table.add_row()
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        header = index == 0 and bool(block.headers)
        if header:
            tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page
        for column in range(columns):
            cell = row.cells[column]
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles[TABLE_STYLE]
            if column == 0 and not header:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            run = paragraph.add_run(cells[column] if column < len(cells) else "")
            if header:
                run.bold = True
    document.add_paragraph("", style=TABLE_STYLE)  # a little room before the text goes on
