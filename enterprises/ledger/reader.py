from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ..intake.files import Inspected
from ..intake.reader import Row, Table, is_empty, map_header, non_empty, norm_header, open_table
from .columns import COLUMNS, DATA_SHEET, ERROR_HEADER
from .rules import Issue


@dataclass
class Sheet:
    positions: list[int]  # for each of COLUMNS, its index in the file's rows, or -1
    headers: list[str]  # the file's own headers, as written
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values) of non-empty rows
    total: int = 0  # an estimate of the data rows, for the progress bar
    warnings: list[Issue] = field(default_factory=list)  # header cells that are ignored


_WANTED = {norm_header(c.header): c.key for c in COLUMNS}
_HEADER_OF = {c.key: c.header for c in COLUMNS}
_REQUIRED = [c.key for c in COLUMNS if c.required]
# The failed-rows file adds this column after the template's: it is uploaded again once corrected.
_KNOWN_EXTRA = {norm_header(ERROR_HEADER)}


def header_positions(headers: list[Any], table: Table | None = None) -> tuple[list[int], list[Issue]]:
    """For each of COLUMNS its position among ``headers`` (or -1), and a warning for each non-empty header that
    is no column of the template (:func:`enterprises.intake.reader.map_header`)."""
    found = map_header(
        headers, table, wanted=_WANTED, header_of=_HEADER_OF, required=_REQUIRED, silent=_KNOWN_EXTRA,
        missing=_("表头缺少必填列：%(cols)s。请使用本年度的台账模板（第1行为表头）。"),
    )
    row = table.header_row if table is not None else 1
    warnings = [Issue(row, text, message, "warning") for _index, text, message in found.ignored]
    return [found.positions.get(c.key, -1) for c in COLUMNS], warnings


def map_headers(headers: list[Any]) -> list[int]:
    return header_positions(headers)[0]


def read_sheet(path: str | Path, inspected: Inspected) -> Sheet:
    table = open_table(
        path,
        inspected,
        sheet_name=DATA_SHEET,
        marker="统一社会信用代码",
        no_sheet=_("没有找到台账工作表：请使用本年度模板，在“台账”工作表第1行保留表头。"),
        empty_csv=_("CSV文件是空的，请使用台账模板填写后上传。"),
    )
    positions, warnings = header_positions(table.headers, table)
    headers = ["" if is_empty(h) else str(h) for h in table.headers]
    return Sheet(positions, headers, non_empty(table.rows), table.total, warnings)
