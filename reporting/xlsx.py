"""Spreadsheet output shared by every export: formula-injection safe cells and a house table style.

Every value a user typed can reach a spreadsheet someone else opens, so text that Excel would treat as a
formula (starting with ``= + - @``, tab, CR or LF) is written as text with a leading apostrophe — the
OWASP "CSV injection" remedy — and never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
THIN = Side(style="thin", color="D0D7DE")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def neutralise(value: Any) -> Any:
    """Make a user-supplied value safe to place in a spreadsheet cell or CSV field."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    safe = neutralise(value)
    cell.value = safe
    if isinstance(safe, str):
        cell.data_type = "s"  # never let openpyxl infer a formula
    return cell


def append_row(ws: Worksheet, values: Sequence[Any]) -> None:
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, start=1):
        set_cell(ws, row, col, value)


def write_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int] | None = None,
    start_row: int = 1,
    autofilter: bool = True,
) -> int:
    """Write a header row (styled, frozen) and data rows; return the number of data rows."""
    for col, header in enumerate(headers, start=1):
        cell = set_cell(ws, start_row, col, header)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, CENTER, BORDER
    count = 0
    for count, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            set_cell(ws, start_row + count, col, value)
    for col, header in enumerate(headers, start=1):
        width = widths[col - 1] if widths and col - 1 < len(widths) else max(10, min(40, len(str(header)) * 2 + 2))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{start_row + 1}"
    if autofilter and headers:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(headers))}{start_row + max(count, 1)}"
    return count


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    """UTF-8 CSV (with a BOM so that Chinese Excel opens it correctly), injection-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for values in rows:
        writer.writerow([neutralise(v) for v in values])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
