"""An inspected XLSX or CSV file as a header row and numbered rows, for the ledger and training readers.

Every error of reading (opening the workbook, loading a sheet, iterating its rows — calamine raises its own
errors, some only while the rows are iterated —, decoding or parsing a CSV) becomes :class:`UploadRejected`
with a message that says what to do; nothing else escapes :func:`open_table` or the rows of its table.

Row numbers are those the sheet shows (1-based, the template's header is row 1), also when the used range of
the sheet starts lower (calamine's ``sheet.start``, see :func:`_padded`). A title or notes above the header
are skipped: the header is the first of the first :data:`HEADER_SCAN` rows of the used range that holds the
marker column (on another sheet than the data sheet, only the first row is looked at).

Merged header cells: the text is in the first cell of the merged range (calamine gives "" for the others); a
header merged down from a row above takes that row's text, and a header merged across columns reads the
values under all of its columns.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from .files import Inspected, UploadRejected

logger = logging.getLogger(__name__)

Row = list[Any]
HEADER_SCAN = 10  # rows of the used range searched for the header


def norm_header(header: Any) -> str:
    text = "" if header is None else str(header)
    return "".join(text.split()).replace("(", "（").replace(")", "）").replace(":", "：").lstrip("*")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


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
    header_row: int = 1  # the header's row number in the sheet
    first_column: int = 0  # the sheet column of the rows' first value (0 = column A)
    merged: list[tuple[int, int]] = field(default_factory=list)  # header cells merged across columns (first, last)

    def cell(self, index: int) -> str:
        """The header cell of position ``index``, as Excel names it (``C1``)."""
        return f"{get_column_letter(self.first_column + index + 1)}{self.header_row}"


@dataclass
class Header:
    """Where a file's header row puts each column (by key), and the header cells that are no column."""

    positions: dict[str, int]
    ignored: list[tuple[int, str, str]]  # (position, header as written, the warning for it)


def map_header(
    headers: Sequence[Any],
    table: Table | None,
    *,
    wanted: Mapping[str, str],
    header_of: Mapping[str, str],
    required: Collection[str],
    silent: Collection[str] = (),
    missing: str,
) -> Header:
    """The one header rule of the uploads: ``wanted`` maps a normalised header (:func:`norm_header`) to its
    column's key. A non-empty header that is no column (and not in ``silent``) is ignored with a warning; a
    column given twice refuses the file naming both cells; a ``required`` key missing refuses it with
    ``missing`` (``%(cols)s``: the headers missing)."""
    table = table or Table(list(headers), iter(()), 0)
    positions: dict[str, int] = {}
    ignored: list[tuple[int, str, str]] = []
    for index, header in enumerate(headers):
        normalised = norm_header(header)
        key = wanted.get(normalised)
        if key is None:
            if normalised and normalised not in silent:
                text = str(header).strip()
                ignored.append((index, text, _("表头“%(header)s”（%(cell)s单元格）不是模板中的列，已忽略。")
                                % {"header": text, "cell": table.cell(index)}))
            continue
        if key in positions:
            raise UploadRejected(
                _("表头“%(header)s”出现了两次（%(first)s和%(second)s单元格），无法确定使用哪一列："
                  "请删除或改名其中一列后重新上传。")
                % {"header": header_of.get(key, key), "first": table.cell(positions[key]),
                   "second": table.cell(index)}
            )
        positions[key] = index
    absent = [header_of.get(key, key) for key in required if key not in positions]
    if absent:
        raise UploadRejected(missing % {"cols": "、".join(absent)})
    return Header(positions, ignored)


def open_table(path: str | Path, inspected: Inspected, *, sheet_name: str, marker: str, no_sheet: str,
               empty_csv: str) -> Table:
    """The table of an inspected XLSX or CSV file. In a workbook: the sheet ``sheet_name``, else the first whose
    header row holds ``marker``; ``no_sheet`` / ``empty_csv`` are the messages when there is none."""
    try:
        if inspected.kind == "xlsx":
            return _open_xlsx(Path(path), sheet_name, marker, no_sheet)
        return _open_csv(Path(path), inspected.encoding, marker, empty_csv)
    except UploadRejected:
        raise
    except Exception as exc:
        logger.warning("upload %s could not be read", path, exc_info=True)
        raise UploadRejected(
            _("无法读取文件：文件已损坏或格式不受支持，请在Excel中打开并另存为.xlsx后重新上传。")
        ) from exc


def _broken_after(number: int) -> str:
    if number <= 0:
        return _("文件已损坏，无法读取其中的内容：请在Excel中打开并另存为.xlsx后重新上传。")
    return _("文件已损坏，无法读取第%(n)d行之后的内容：请在Excel中打开并另存为.xlsx后重新上传。") % {"n": number}


def _numbered(rows: Iterator[Row], *, first: int, broken: Callable[[int, Exception], str]) -> Iterator[tuple[int, Row]]:
    """``rows`` numbered from ``first``; an error raised while they are read is an :class:`UploadRejected` with
    ``broken(last good row number, error)``."""
    number = first - 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except UploadRejected:
            raise
        except Exception as exc:
            logger.warning("upload row after %d could not be read: %r", number, exc)
            raise UploadRejected(broken(number, exc)) from exc
        number += 1
        yield number, row


def _find_header(rows: Iterator[tuple[int, Row]], marker: str, *, first: int,
                 scan: int = HEADER_SCAN) -> tuple[int, Row, dict[int, Row]] | None:
    """The (row number, values) of the first row from row ``first`` on (the used range's first row) whose values
    hold ``marker``, within ``scan`` rows, and the used rows above it; ``None`` when there is none."""
    wanted = norm_header(marker)
    above: dict[int, Row] = {}
    for number, row in rows:
        if number < first:
            continue  # the empty rows above the used range
        if wanted in {norm_header(v) for v in row}:
            return number, row, above
        above[number] = row
        if number >= first + scan - 1:
            return None
    return None


def _open_xlsx(path: Path, sheet_name: str, marker: str, no_sheet: str) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UploadRejected(_("无法读取Excel文件：文件已损坏或格式不受支持，请用Excel重新保存为.xlsx。")) from exc
    candidates = [sheet_name] if sheet_name in names else []
    candidates += [n for n in names if n != sheet_name]
    for name in candidates:
        try:
            sheet = workbook.get_sheet_by_name(name)
            start, end = sheet.start, sheet.end
            merged = sheet.merged_cell_ranges or []
            raw = iter(sheet.iter_rows())
        except Exception as exc:
            logger.warning("upload %s: sheet %r could not be read: %r", path, name, exc)
            raise UploadRejected(
                _("文件已损坏，无法读取工作表“%(sheet)s”：请在Excel中打开并另存为.xlsx后重新上传。") % {"sheet": name}
            ) from exc
        if start is None or end is None:
            continue  # an empty sheet
        rows = _numbered(_padded(raw, start[0]), first=1, broken=lambda n, _exc: _broken_after(n))
        # Rows above the header are only looked past on the data sheet itself: another sheet (the instructions)
        # may well mention the marker column in its text.
        found = _find_header(rows, marker, first=start[0] + 1, scan=HEADER_SCAN if name == sheet_name else 1)
        if found is None:
            continue
        number, header, above = found
        header, spans = _merged_header(header, number, above, merged, first_column=start[1])
        data = _spread(rows, spans) if spans else rows
        return Table(header, data, max(end[0] + 1 - number, 0), number, start[1], spans)
    raise UploadRejected(no_sheet)


def _padded(raw: Iterator[Row], top: int) -> Iterator[Row]:
    """The rows from row 1 on. python-calamine yields the rows above the used range (which starts at the 0-based
    row ``top``) as empty rows; should a version start at the used range instead, the missing rows are added."""
    if top == 0:
        yield from raw
        return
    first = next(raw, None)
    if first is None:
        return
    if any(not is_empty(v) for v in first):  # the used range's first row itself: nothing above was yielded
        for _index in range(top):
            yield [""] * len(first)
    yield first
    yield from raw


def _merged_header(header: Row, number: int, above: dict[int, Row], merged: list[Any], *,
                   first_column: int) -> tuple[Row, list[tuple[int, int]]]:
    """The header row with the text of merged ranges that reach it from a row above, and the (first, last)
    positions of its cells merged across columns. ``merged`` holds 0-based ((row, col), (row, col)) ranges."""
    header = list(header)
    spans: list[tuple[int, int]] = []
    here = number - 1
    for (top, left), (bottom, right) in merged:
        if not top <= here <= bottom:
            continue
        first, last = left - first_column, min(right - first_column, len(header) - 1)
        if not 0 <= first < len(header):
            continue
        if top < here and is_empty(header[first]):
            source = above.get(top + 1, [])
            header[first] = source[first] if first < len(source) else ""
        if last > first and not is_empty(header[first]):
            spans.append((first, last))
    return header, spans


def _spread(rows: Iterator[tuple[int, Row]], spans: list[tuple[int, int]]) -> Iterator[tuple[int, Row]]:
    """Rows under a header merged across columns: the column's value is what was typed under any of them (all of
    it, joined with "；", when several were filled); the other columns of the range are left empty."""
    for number, row in rows:
        width = len(row)
        for first, last in spans:
            if last >= width:
                continue
            filled = [v for v in row[first : last + 1] if not is_empty(v)]
            if len(filled) == 1:
                row[first] = filled[0]
            elif filled:
                row[first] = "；".join(str(v) for v in filled)
            for index in range(first + 1, last + 1):
                row[index] = ""
        yield number, row


def _open_csv(path: Path, encoding: str, marker: str, empty_csv: str) -> Table:
    try:
        text = path.read_bytes().decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UploadRejected(_("无法识别CSV文件的编码：请保存为“UTF-8”或“GB18030/GBK”编码的CSV。")) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))

    def broken(number: int, exc: Exception) -> str:
        if isinstance(exc, csv.Error):
            return _("CSV文件格式错误（第%(n)d行）：%(err)s") % {"n": number + 1, "err": exc}
        return _broken_after(number)

    rows = _numbered(reader, first=1, broken=broken)
    scanned: list[tuple[int, Row]] = []
    for item in rows:
        scanned.append(item)
        if len(scanned) >= HEADER_SCAN:
            break
    if not scanned:
        raise UploadRejected(empty_csv)
    wanted = norm_header(marker)
    at = next((i for i, (_n, row) in enumerate(scanned) if wanted in {norm_header(v) for v in row}), 0)
    number, header = scanned[at]

    def data() -> Iterator[tuple[int, Row]]:
        yield from scanned[at + 1 :]
        yield from rows

    return Table(header, data(), text.count("\n"), number, 0)
