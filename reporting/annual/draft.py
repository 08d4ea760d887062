"""The annual report as a document model: what the builder writes and the DOCX and PDF writers lay out.

A ``Draft`` is a title, a few lines under it and a list of blocks — headings, paragraphs, pictures and tables. A
paragraph is a list of runs; a run that writes a catalogue figure carries it as a ``Number`` (the indicator, the unit
and year it is the figure of, the value and the text as written), so a test can check every number in the files
against the catalogue. A run marked ``placeholder`` is a place for what only people can write: the writers show it
highlighted and bracketed, so no draft goes out with it unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Number:
    key: str  # the catalogue indicator (reporting.indicators)
    unit_code: str  # whose figure: an OrgUnit code
    year: int
    value: Any  # the catalogue's value (None: no data)
    text: str  # as written in the run ("1108项", "3.0万家", "—")


@dataclass(frozen=True)
class Run:
    text: str
    number: Number | None = None
    bold: bool = False  # a lead-in ("一是加强政策引导。")
    placeholder: bool = False  # for people to write: shown highlighted, in 【】


def text(value: str, *, bold: bool = False) -> Run:
    return Run(value, bold=bold)


def number(n: Number) -> Run:
    return Run(n.text, number=n)


def placeholder(what: str) -> Run:
    """A marked place: "【待补充：{what}】"."""
    return Run(f"【待补充：{what}】", placeholder=True)


@dataclass
class Heading:
    """``level`` 1: "一、工作举措与成效" (黑体); 2: "（一）……" (楷体). The text carries its own numbering."""

    text: str
    level: int = 1


@dataclass
class Paragraph:
    runs: list[Run]
    lead: str = ""  # a 楷体 lead-in before the runs ("（一）强化统筹推进，质量提升氛围更加浓厚。")

    @property
    def plain(self) -> str:
        return self.lead + "".join(r.text for r in self.runs)


@dataclass
class Picture:
    """A chart or map drawn on the server as SVG (reporting.charts, reporting.maps): the same picture on a page, in
    the PDF (as SVG) and in the DOCX (as PNG via ``reporting.maps.svg_png``)."""

    svg: str
    caption: str  # "图1  2023年各省级单位精准帮扶企业数"
    width_cm: float = 15.6  # the type area of GB/T 9704 is 156 mm wide


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    numbers: list[Number] = field(default_factory=list)  # the catalogue figures the cells write


Block = Heading | Paragraph | Picture | Table


@dataclass
class Draft:
    title: str  # "2023年度“小微企业质量管理体系认证提升行动”工作总结"
    year: int
    scope_code: str
    scope_name: str  # "全国" or the province
    blocks: list[Block]
    issuer: str = ""  # the signature line (the unit's name), written under the text
    date_text: str = ""  # "2024年1月15日" — the date the draft was generated, for people to change
    notes: list[str] = field(default_factory=list)  # what the draft could not say (no evaluation, no year before)

    def numbers(self) -> Iterator[Number]:
        for block in self.blocks:
            if isinstance(block, Paragraph):
                yield from (r.number for r in block.runs if r.number is not None)
            elif isinstance(block, Table):
                yield from block.numbers

    def placeholders(self) -> list[str]:
        return [r.text for b in self.blocks if isinstance(b, Paragraph) for r in b.runs if r.placeholder]

    def pictures(self) -> list[Picture]:
        return [b for b in self.blocks if isinstance(b, Picture)]

    def paragraphs(self) -> Sequence[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]
