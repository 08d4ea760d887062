from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .files import Inspected, UploadRejected

Row = list[Any]


def norm_header(header: Any) -> str:
    text = "" if header is None else str(header)
    return "".join(text.split()).replace("(", "（").replace(")", "）").replace(":", "：").lstrip("*")


def non_empty(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
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
        if header is None or norm_header(marker) not in {norm_header(h) for h in header}:
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
