from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ..intake.files import Inspected, UploadRejected
from ..intake.reader import Row, non_empty, norm_header, open_table
from .columns import COLUMNS, DATA_SHEET


@dataclass
class Sheet:
    positions: list[int]  # for each of COLUMNS, its index in the file's rows, or -1
    headers: list[str]  # the file's own headers, as written
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values) of non-empty rows
    total: int = 0  # an estimate of the data rows, for the progress bar


_WANTED = {norm_header(c.header): i for i, c in enumerate(COLUMNS)}


def map_headers(headers: list[Any]) -> list[int]:
    positions = [-1] * len(COLUMNS)
    for index, header in enumerate(headers):
        slot = _WANTED.get(norm_header(header))
        if slot is not None and positions[slot] < 0:
            positions[slot] = index
    missing = [c.header for c, pos in zip(COLUMNS, positions, strict=True) if pos < 0 and c.required]
    if missing:
        raise UploadRejected(
            _("表头缺少必填列：%(cols)s。请使用本年度的台账模板（第1行为表头）。") % {"cols": "、".join(missing)}
        )
    return positions


def read_sheet(path: str | Path, inspected: Inspected) -> Sheet:
    table = open_table(
        path,
        inspected,
        sheet_name=DATA_SHEET,
        marker="统一社会信用代码",
        no_sheet=_("没有找到台账工作表：请使用本年度模板，在“台账”工作表第1行保留表头。"),
        empty_csv=_("CSV文件是空的，请使用台账模板填写后上传。"),
    )
    return Sheet(map_headers(table.headers), [str(h) for h in table.headers], non_empty(table.rows), table.total)
