"""The annual report as a PDF laid out like the DOCX (GB/T 9704-2012), with WeasyPrint through ``reporting.pdf``.

The page geometry, sizes and Windows font names are the DOCX writer's (``reporting.annual.docx``); pictures go in as
the SVG itself (a ``data:`` URL: WeasyPrint draws SVG), and page numbers "— N —" come from ``@page`` counters, odd
pages on the right and even pages on the left.

Fonts: the PDF embeds (a subset of) every font it uses, so each face's CSS font-family is a per-glyph fallback list —
the fonts a Windows or WPS machine would have first (仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体), then free Debian
fonts in the same style, then WenQuanYi Micro Hei, which has every character the others lack:

- 仿宋: cwTeX 仿宋 (``fonts-cwtex-fs``) is a traditional-Chinese font and lacks a third of the simplified characters
  of a report (259 of seed 000's), which fall to AR PL KaitiM GB (``fonts-arphic-gkai00mp``, GB 2312), then AR PL
  UKai CN (``fonts-arphic-ukai``, beyond GB 2312, for rare place names);
- 楷: AR PL KaitiM GB, then AR PL UKai CN;
- the title and page numbers (宋): AR PL SungtiL GB (``fonts-arphic-gbsn00lp``);
- 黑体: WenQuanYi Micro Hei (``fonts-wqy-microhei``).

``scripts/install.sh`` and the Dockerfile install them; the tests check that every character of seed 000 has a glyph
in one of them.
"""

from __future__ import annotations

import base64
from typing import Any

from reporting.pdf import render_pdf

from . import docx as layout
from .draft import Draft, Heading, Paragraph, Picture, Table

LAST_RESORT = "WenQuanYi Micro Hei"  # the portal's CJK font (reporting.pdf): every GB 18030 character
FREE_FACES: dict[str, tuple[str, ...]] = {  # by role (layout.FACES), after the Windows names
    "fangsong": ("cwTeXFangSong", "AR PL KaitiM GB", "AR PL UKai CN"),
    "kaiti": ("AR PL KaitiM GB", "AR PL UKai CN"),
    "heiti": (),
    "xiaobiaosong": ("AR PL SungtiL GB",),
    "songti": ("AR PL SungtiL GB",),
}
TEMPLATE = "reporting/annual/draft_pdf.html"


def font_families(role: str) -> tuple[str, ...]:
    """The families a face falls back through, one glyph at a time."""
    return (*layout.FACES[role], *FREE_FACES[role], LAST_RESORT)


def font_family_css(role: str) -> str:
    return ", ".join(f'"{name}"' for name in font_families(role))


def _svg_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode("utf-8")).decode("ascii")


def _blocks(draft: Draft) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in draft.blocks:
        if isinstance(block, Heading):
            out.append({"kind": "heading", "level": 1 if block.level <= 1 else 2, "text": block.text})
        elif isinstance(block, Paragraph):
            out.append({"kind": "paragraph", "lead": block.lead, "runs": block.runs})
        elif isinstance(block, Picture):
            width_cm = min(block.width_cm, layout.TYPE_AREA_MM[0] / 10)
            out.append({"kind": "picture", "src": _svg_url(block.svg), "width_cm": f"{width_cm:.2f}",
                        "caption": block.caption})
        elif isinstance(block, Table):
            columns = max([1, len(block.headers), *(len(row) for row in block.rows)])
            rows = [[*row, *[""] * (columns - len(row))] for row in block.rows]
            headers = [*block.headers, *[""] * (columns - len(block.headers))] if block.headers else []
            out.append({"kind": "table", "caption": block.caption, "headers": headers, "rows": rows})
        else:  # pragma: no cover - the model has no other block
            raise TypeError(f"unknown block {type(block).__name__}")
    return out


def _pt(value: float) -> str:
    return f"{value:.3f}pt"


def draft_pdf(draft: Draft, **options: Any) -> bytes:
    """The draft as a PDF (``options`` go to WeasyPrint's ``write_pdf``)."""
    top, bottom = layout.MARGINS_MM["top"], layout.MARGINS_MM["bottom"]
    left, right = layout.MARGINS_MM["left"], layout.MARGINS_MM["right"]
    page_number_pad = layout.PAGE_NUMBER_BELOW_MM / 25.4 * 72 - layout.PAGE_NUMBER_PT / 2  # the dashes 7 mm down
    context = {
        "draft": draft,
        "blocks": _blocks(draft),
        "fonts": {role: font_family_css(role) for role in layout.FACES},
        "page": {
            "margin": f"{top}mm {right}mm {bottom}mm {left}mm",
            "number_pt": _pt(layout.PAGE_NUMBER_PT),
            "number_pad": _pt(page_number_pad),
        },
        "body": {
            "size": _pt(layout.BODY_PT),
            "line": _pt(layout.LINE_PITCH_PT),
            "tracking": _pt(layout.CHAR_PITCH_PT - layout.BODY_PT),  # 28 characters to the line
            "indent": _pt(2 * layout.CHAR_PITCH_PT),
        },
        "title": {"size": _pt(layout.TITLE_PT), "line": _pt(layout.TITLE_LINE_PT)},
        "small": _pt(layout.SMALL_PT),
        "table": _pt(layout.TABLE_PT),
    }
    return render_pdf(TEMPLATE, context, **options)
