"""Read ledger rows from an inspected XLSX (python-calamine) or CSV file, one list per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .columns import COLUMNS, DATA_SHEET
from .files import Inspected, UploadRejected

Row = list[Any]


@dataclass
class Sheet:
    positions: list[int]  # for each of COLUMNS, its index in the file's rows, or -1
    headers: list[str]  # the file's own headers, as written
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values) of non-empty rows
    total: int = 0  # an estimate of the data rows, for the progress bar


def _norm(header: Any) -> str:
    text = "" if header is None else str(header)
    return "".join(text.split()).replace("(", "（").replace(")", "）").replace(":", "：").lstrip("*")


_WANTED = {_norm(c.header): i for i, c in enumerate(COLUMNS)}


def map_headers(headers: list[Any]) -> list[int]:
    positions = [-1] * len(COLUMNS)
    for index, header in enumerate(headers):
        slot = _WANTED.get(_norm(header))
        if slot is not None and positions[slot] < 0:
            positions[slot] = index
    missing = [c.header for c, pos in zip(COLUMNS, positions, strict=True) if pos < 0 and c.required]
    if missing:
        raise UploadRejected(
            _("表头缺少必填列：%(cols)s。请使用本年度的台账模板（第1行为表头）。") % {"cols": "、".join(missing)}
        )
    return positions


def _non_empty(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    for number, row in rows:
        for value in row:
            if value is not None and value != "":
                yield number, row
                break


@dataclass
class Table:
    """A file's header row and its numbered data rows, before any column mapping."""

    headers: list[Any]
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values), empty rows included
    total: int  # an estimate of the data rows, for a progress bar


def open_table(path: str | Path, inspected: Inspected, *, sheet_name: str, marker: str, no_sheet: str,
               empty_csv: str) -> Table:
    """The table of an inspected XLSX or CSV file. In a workbook: the sheet ``sheet_name``, else the first whose
    header row holds ``marker``; ``no_sheet`` / ``empty_csv`` are the messages when there is none."""
    if inspected.kind == "xlsx":
        return _open_xlsx(Path(path), sheet_name, marker, no_sheet)
    return _open_csv(Path(path), inspected.encoding, empty_csv)


def _open_xlsx(path: Path, sheet_name: str, marker: str, no_sheet: str) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UploadRejected(_("无法读取Excel文件：文件已损坏或格式不受支持，请用Excel重新保存为.xlsx。")) from exc
    names = workbook.sheet_names
    candidates = [sheet_name] if sheet_name in names else []
    candidates += [n for n in names if n != sheet_name]
    for name in candidates:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None or _norm(marker) not in {_norm(h) for h in header}:
            continue
        first_row = sheet.start[0] + 1 if sheet.start else 1

        def numbered(rows: Iterator[Row] = rows, first: int = first_row) -> Iterator[tuple[int, Row]]:
            yield from enumerate(rows, start=first + 1)

        return Table(list(header), numbered(), max(sheet.height - 1, 0))
    raise UploadRejected(no_sheet)


def _open_csv(path: Path, encoding: str, empty_csv: str) -> Table:
    text = path.read_bytes().decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UploadRejected(empty_csv)
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]

    def numbered() -> Iterator[tuple[int, Row]]:
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as exc:
            raise UploadRejected(
                _("CSV文件格式错误（第%(n)d行）：%(err)s") % {"n": reader.line_num, "err": exc}
            ) from exc

    return Table(header, numbered(), text.count("\n"))


def read_sheet(path: str | Path, inspected: Inspected) -> Sheet:
    table = open_table(
        path,
        inspected,
        sheet_name=DATA_SHEET,
        marker="统一社会信用代码",
        no_sheet=_("没有找到台账工作表：请使用本年度模板，在“台账”工作表第1行保留表头。"),
        empty_csv=_("CSV文件是空的，请使用台账模板填写后上传。"),
    )
    return Sheet(map_headers(table.headers), [str(h) for h in table.headers], _non_empty(table.rows), table.total)
