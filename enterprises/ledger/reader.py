from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ..intake.files import Inspected, UploadRejected
from ..intake.reader import Row, Table, is_empty, non_empty, norm_header, open_table
from .columns import COLUMNS, DATA_SHEET, ERROR_HEADER
from .rules import Issue


@dataclass
class Sheet:
    positions: list[int]  # for each of COLUMNS, its index in the file's rows, or -1
    headers: list[str]  # the file's own headers, as written
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values) of non-empty rows
    total: int = 0  # an estimate of the data rows, for the progress bar
    warnings: list[Issue] = field(default_factory=list)  # header cells that are ignored


_WANTED = {norm_header(c.header): i for i, c in enumerate(COLUMNS)}
# The failed-rows file adds this column after the template's: it is uploaded again once corrected.
_KNOWN_EXTRA = {norm_header(ERROR_HEADER)}


def header_positions(headers: list[Any], table: Table | None = None) -> tuple[list[int], list[Issue]]:
    """For each of COLUMNS its position among ``headers`` (or -1), and a warning for each non-empty header that
    is no column of the template. Refused: a column given twice, a required column missing."""
    table = table or Table(list(headers), iter(()), 0)
    positions = [-1] * len(COLUMNS)
    warnings: list[Issue] = []
    for index, header in enumerate(headers):
        key = norm_header(header)
        slot = _WANTED.get(key)
        if slot is None:
            if key and key not in _KNOWN_EXTRA:
                warnings.append(
                    Issue(
                        table.header_row,
                        str(header).strip(),
                        _("表头“%(header)s”（%(cell)s单元格）不是模板中的列，已忽略。")
                        % {"header": str(header).strip(), "cell": table.cell(index)},
                        "warning",
                    )
                )
            continue
        if positions[slot] >= 0:
            raise UploadRejected(
                _("表头“%(header)s”出现了两次（%(first)s和%(second)s单元格），无法确定使用哪一列："
                  "请删除或改名其中一列后重新上传。")
                % {"header": COLUMNS[slot].header, "first": table.cell(positions[slot]), "second": table.cell(index)}
            )
        positions[slot] = index
    missing = [c.header for c, pos in zip(COLUMNS, positions, strict=True) if pos < 0 and c.required]
    if missing:
        raise UploadRejected(
            _("表头缺少必填列：%(cols)s。请使用本年度的台账模板（第1行为表头）。") % {"cols": "、".join(missing)}
        )
    return positions, warnings


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
