"""Spreadsheet output shared by every export: streamed workbooks, formula-safe cells and a house table style.

Workbooks are openpyxl write-only workbooks (``new_workbook``): each row goes to a temporary file as it is
appended, so an export of 60,000 rows holds one row in memory, not 60,000. The price is that a sheet is
written top to bottom: column widths, frozen panes and row heights must be set before its first row (which
``write_table`` does for its table), and a cell cannot be changed once its row is out. Merged ranges,
autofilters, data validations and charts are written after the rows, so they may be added at any time.

Every value a user typed can reach a spreadsheet someone else opens, so text must never become a formula.
In XLSX a cell typed as a string is never a formula, whatever its text: ``xlsx_cell``, ``xlsx_row`` and
``write_table`` type as a string each text that openpyxl would otherwise store as a formula (``=…``) or an
error (``#N/A``) and add nothing to it, so "+86 138 0013 8000" and "=1+1" read back exactly as typed.
A CSV field has no type: ``neutralise`` prefixes text that starts with ``= + - @``, tab, CR or LF with an
apostrophe (the OWASP "CSV injection" remedy), and ``csv_bytes`` applies it to every field.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.files import File
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Text openpyxl would not store as a string: "=…" becomes a formula, "#N/A" and the like an error value.
_TYPED_BY_OPENPYXL = ("=", "#")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
THIN = Side(style="thin", color="D0D7DE")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

Row = Sequence[Any]


def new_workbook() -> Workbook:
    """A streaming (write-only) workbook with no sheets; add them with ``wb.create_sheet(title)``."""
    return Workbook(write_only=True)


def xlsx_cell(
    ws: Any,
    value: Any,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
    number_format: str | None = None,
) -> Cell:
    """One cell to append to ``ws`` (in a row given to ``ws.append`` or ``write_table``); text is always
    string-typed, so it can never be a formula."""
    target = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        target.data_type = "s"
    if font is not None:
        target.font = font
    if fill is not None:
        target.fill = fill
    if alignment is not None:
        target.alignment = alignment
    if border is not None:
        target.border = border
    if number_format is not None:
        target.number_format = number_format
    return target


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row ready for ``ws.append``: values as they are, except text openpyxl would not keep as text."""
    return [xlsx_cell(ws, v) if isinstance(v, str) and v.startswith(_TYPED_BY_OPENPYXL) else v for v in values]


def header_cell(ws: Any, text: str) -> Cell:
    """A header in the house style; a caller may restyle it (e.g. a required column) before writing it."""
    return xlsx_cell(ws, text, font=HEADER_FONT, fill=HEADER_FILL, alignment=CENTER, border=BORDER)


def write_table(
    ws: Any,
    headers: Sequence[str | Cell],
    rows: Iterable[Row],
    *,
    widths: Sequence[int] | None = None,
    above: Sequence[Row] = (),
    autofilter: bool = True,
    freeze: bool = True,
) -> int:
    """Start ``ws`` with the rows ``above`` (a title, a note…), a blank row when there are any, then a styled
    header row and the data rows, consumed one at a time from ``rows``; return the number of data rows.

    The header is frozen (unless ``freeze=False``) and filtered (unless ``autofilter=False``). ``headers``
    may hold cells from ``header_cell``. ``ws`` may also be an ordinary worksheet, written the same way.
    """
    if getattr(ws, "_writer", None) is not None:
        raise ValueError("write_table starts a sheet: pass the rows before the table as `above`")
    header_row = len(above) + 2 if above else 1
    labels = [h.value if isinstance(h, Cell) else h for h in headers]
    for col, label in enumerate(labels, start=1):
        width = widths[col - 1] if widths and col - 1 < len(widths) else max(10, min(40, len(str(label)) * 2 + 2))
        ws.column_dimensions[get_column_letter(col)].width = width
    if freeze:
        ws.freeze_panes = f"A{header_row + 1}"
    for values in above:
        ws.append(xlsx_row(ws, values))
    if above:
        ws.append([])
    ws.append([h if isinstance(h, Cell) else header_cell(ws, h) for h in headers])
    count = 0
    for values in rows:
        ws.append(xlsx_row(ws, values))
        count += 1
    if autofilter and headers:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + max(count, 1)}"
    return count


@contextmanager
def workbook_file(wb: Workbook) -> Iterator[File]:
    """Save ``wb`` to a temporary file and yield it as a Django ``File`` (for ``FieldFile.save``, which copies
    it in chunks); the file is removed afterwards. Nothing of the workbook is held in memory."""
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        wb.save(handle)
        handle.seek(0)
        yield File(handle)


def workbook_bytes(wb: Workbook) -> bytes:
    """The saved workbook as bytes, for the small files answered within a request (templates, reports)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def neutralise(value: Any) -> Any:
    """Make a value safe for a CSV field: formula-like text gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Row], *, bom: bool = True) -> bytes:
    """UTF-8 CSV (with a BOM so that Chinese Excel opens it correctly), injection-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for values in rows:
        writer.writerow([neutralise(v) for v in values])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
