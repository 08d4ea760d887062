from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ..intake.files import Inspected
from ..intake.reader import Header, Row, Table, is_empty, map_header, non_empty, open_table
from .columns import COLUMNS, DATA_SHEET, VOCABULARY
from .rules import Issue


def missing_message() -> str:
    return _("表头缺少必填列：%(cols)s。请使用本年度的台账模板，或在表头行写明这些列名后重新上传。")


def no_table() -> str:
    return _(
        "没有找到台账表格：各工作表前10行中都没有与台账列名相符的表头行（如“统一社会信用代码”“企业名称”）。"
        "请使用本年度的台账模板（推荐），或在自己表格的表头行写明这些列名后重新上传。"
    )


@dataclass
class Sheet:
    positions: list[int]  # for each of COLUMNS, its index in the file's rows, or -1
    headers: list[str]  # the file's own headers, as written
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values) of non-empty rows
    table: Table
    header: Header  # how each column was found, the required ones missing
    total: int = 0  # an estimate of the data rows, for the progress bar
    warnings: list[Issue] = field(default_factory=list)  # header cells that are ignored


def header_positions(
    headers: list[Any],
    table: Table | None = None,
    *,
    remembered: Mapping[str, str] | None = None,
    chosen: Mapping[str, int] | None = None,
    require: bool = True,
) -> tuple[list[int], list[Issue], Header]:
    """For each of COLUMNS its position among ``headers`` (or -1), a warning for each non-empty header that is
    no column of the template, and the header as :func:`enterprises.intake.reader.map_header` found it."""
    found = map_header(headers, table, vocabulary=VOCABULARY, remembered=remembered, chosen=chosen)
    if require:
        found.require(missing_message(), VOCABULARY.header_of)
    row = table.header_row if table is not None else 1
    warnings = [Issue(row, text, message, "warning") for _index, text, message in found.ignored]
    return [found.positions.get(c.key, -1) for c in COLUMNS], warnings, found


def map_headers(headers: list[Any]) -> list[int]:
    return header_positions(headers)[0]


def read_sheet(
    path: str | Path,
    inspected: Inspected,
    *,
    remembered: Mapping[str, str] | None = None,
    chosen: Mapping[str, int] | None = None,
    require: bool = True,
) -> Sheet:
    """The ledger table of a file: its columns found by the header rule (with the CB's ``remembered`` answers
    and those ``chosen`` for this file); with ``require=False`` a missing required column is left for the
    caller to ask about (``sheet.header.missing``)."""
    table = open_table(
        path,
        inspected,
        vocabulary=VOCABULARY,
        sheet_name=DATA_SHEET,
        remembered=remembered,
        no_table=no_table(),
        empty_csv=_("CSV文件是空的，请使用台账模板填写后上传。"),
    )
    positions, warnings, header = header_positions(
        table.headers, table, remembered=remembered, chosen=chosen, require=require
    )
    headers = ["" if is_empty(h) else str(h) for h in table.headers]
    return Sheet(positions, headers, non_empty(table.rows), table, header, table.total, warnings)
