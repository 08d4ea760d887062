"""An inspected workbook (XLSX, XLS, ODS) or text file (CSV, Excel's Unicode text) as a header row and
numbered rows, for the ledger and training readers; and the one header rule of both (:func:`map_header`).

Every error of reading (opening the workbook, loading a sheet, iterating its rows — calamine raises its own
errors, some only while the rows are iterated —, decoding or parsing a text file) becomes
:class:`UploadRejected` with a message that says what to do; nothing else escapes :func:`open_table` or the rows
of its table.

**Finding the table.** The header is the row, among the first :data:`HEADER_SCAN` rows of a sheet's used range,
that names the most columns of the kind (:class:`Vocabulary`: template headers, their synonyms and near forms,
and the CB's remembered answers); at least :data:`MIN_SCORE` of them. The template's own sheet is taken when
its header is found there; otherwise the sheet whose header names the most columns (the first of equals). Title
rows, blank rows and merged title cells above the header are skipped.

Row numbers are those the sheet shows (1-based, the template's header is row 1), also when the used range of
the sheet starts lower (calamine's ``sheet.start``, see :func:`_padded`).

Merged header cells: the text is in the first cell of the merged range (calamine gives "" for the others); a
header merged down from a row above takes that row's text, and a header merged across columns reads the
values under all of its columns.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
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
MIN_SCORE = 2  # columns a header row must name

_BRACKETS = re.compile(r"（[^（）]*）|【[^【】]*】|\[[^\[\]]*\]")
_UNIT = re.compile(r"[元人个家次%％]")
_EDGES = "*＊※★#＃：:"


def norm_header(header: Any) -> str:
    """A header as compared: NFKC (full-width letters and digits as ASCII), no spaces, Chinese brackets and
    colons, without the marks around it (``*企业名称``, ``企业名称：``)."""
    text = "" if header is None else str(header)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).replace("(", "（").replace(")", "）").replace(":", "：")
    text = text.replace("[", "【").replace("]", "】") if "[" in text else text
    return text.strip(_EDGES)


def _stem(normalised: str) -> str:
    return _BRACKETS.sub("", normalised).strip(_EDGES)


def _units(normalised: str) -> set[str]:
    return {m for m in (b[1:-1] for b in _BRACKETS.findall(normalised)) if _UNIT.search(m)}


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def non_empty(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    for number, row in rows:
        for value in row:
            if value is not None and value != "":
                yield number, row
                break


# How a column was found: the order is the precedence when two header cells name the same column.
CHOSEN, EXACT, REMEMBERED, SYNONYM, NEAR = "chosen", "exact", "remembered", "synonym", "near"
_RANK = {CHOSEN: 0, EXACT: 1, REMEMBERED: 2, SYNONYM: 3, NEAR: 4}


@dataclass(frozen=True)
class Term:
    """One column of a kind of upload as the header rule sees it."""

    key: str
    header: str  # the template's header
    synonyms: tuple[str, ...] = ()  # other names CBs give the column (see the kind's columns.py)
    required: bool = False


class Vocabulary:
    """The names a kind's columns go by: each template header, its synonyms and their near forms (the same
    text without a bracketed note such as “（18位）”; a bracketed unit must be the column's own)."""

    def __init__(self, terms: Iterable[Term], *, silent: Collection[str] = ()) -> None:
        self.terms = list(terms)
        self.header_of = {t.key: t.header for t in self.terms}
        self.required = [t.key for t in self.terms if t.required]
        self.silent = {norm_header(h) for h in silent}
        self.exact: dict[str, str] = {norm_header(t.header): t.key for t in self.terms}
        self.synonyms: dict[str, str] = {}
        stems: dict[str, set[str]] = {}
        self._units: dict[str, set[str]] = {}
        for term in self.terms:
            names = [norm_header(term.header), *(norm_header(s) for s in term.synonyms)]
            for name in names[1:]:
                if name not in self.exact:
                    self.synonyms.setdefault(name, term.key)
            for name in names:
                stems.setdefault(_stem(name), set()).add(term.key)
            self._units[term.key] = set().union(*(_units(n) for n in names))
        # A stem two columns share (none today) matches neither.
        self.stems = {stem: next(iter(keys)) for stem, keys in stems.items() if stem and len(keys) == 1}

    def match(self, normalised: str, remembered: Mapping[str, str] | None = None) -> tuple[str, str] | None:
        """(key, how) of a normalised header, or ``None``."""
        key = self.exact.get(normalised)
        if key is not None:
            return key, EXACT
        if remembered:
            key = remembered.get(normalised)
            if key is not None and key in self.header_of:
                return key, REMEMBERED
        key = self.synonyms.get(normalised)
        if key is not None:
            return key, SYNONYM
        key = self.stems.get(_stem(normalised))
        if key is not None and _units(normalised) <= self._units[key]:
            return key, NEAR
        return None

    def score(self, row: Sequence[Any], remembered: Mapping[str, str] | None = None) -> int:
        """How many of the columns a row's cells name (a header row names many, a title or data row few)."""
        found = set()
        for value in row:
            if value is None or value == "" or not isinstance(value, str):
                continue
            hit = self.match(norm_header(value), remembered)
            if hit is not None:
                found.add(hit[0])
        return len(found)


@dataclass
class Table:
    """A file's header row and its numbered data rows, before any column mapping."""

    headers: list[Any]
    rows: Iterator[tuple[int, Row]]  # (spreadsheet row number, values), empty rows included
    total: int  # an estimate of the data rows, for a progress bar
    header_row: int = 1  # the header's row number in the sheet
    first_column: int = 0  # the sheet column of the rows' first value (0 = column A)
    merged: list[tuple[int, int]] = field(default_factory=list)  # header cells merged across columns (first, last)
    sheet: str = ""  # the workbook's sheet the table is on ("" in a text file)

    def cell(self, index: int) -> str:
        """The header cell of position ``index``, as Excel names it (``C1``)."""
        return f"{get_column_letter(self.first_column + index + 1)}{self.header_row}"

    def column(self, index: int) -> str:
        """The sheet column of position ``index`` (``C``)."""
        return get_column_letter(self.first_column + index + 1)


@dataclass
class Header:
    """Where a file's header row puts each column (by key), how each was found, the required columns it lacks,
    and the header cells that are no column (the candidates a user may choose for a missing column)."""

    positions: dict[str, int]
    ignored: list[tuple[int, str, str]]  # (position, header as written, the warning for it)
    missing: list[str] = field(default_factory=list)  # required keys not found
    how: dict[str, str] = field(default_factory=dict)  # key -> CHOSEN | EXACT | REMEMBERED | SYNONYM | NEAR
    candidates: list[int] = field(default_factory=list)  # positions of the cells that are no column

    def require(self, message: str, header_of: Mapping[str, str]) -> None:
        """Refuse the file when a required column is missing (``message``: ``%(cols)s``, the headers)."""
        if self.missing:
            raise UploadRejected(message % {"cols": "、".join(header_of.get(k, k) for k in self.missing)})


def map_header(
    headers: Sequence[Any],
    table: Table | None,
    *,
    vocabulary: Vocabulary,
    remembered: Mapping[str, str] | None = None,
    chosen: Mapping[str, int] | None = None,
) -> Header:
    """The one header rule of the uploads. Each header cell names the column its text matches
    (:meth:`Vocabulary.match`), or the one ``chosen`` for its position (the user's answer for this file). When
    two cells name one column the better match wins (chosen, exact, remembered, synonym, near) and the other is
    ignored; two exact headers refuse the file naming both cells; two equal lesser matches name neither (a
    required column is then asked). A non-empty header that names no column (and is not ``silent``) is
    ignored with a warning."""
    table = table or Table(list(headers), iter(()), 0)
    by_position = {index: key for key, index in (chosen or {}).items() if key in vocabulary.header_of}
    best: dict[str, list[tuple[int, int]]] = {}  # key -> [(rank, position)]
    texts: list[str] = []
    for index, header in enumerate(headers):
        normalised = norm_header(header)
        texts.append(normalised)
        if index in by_position:
            hit: tuple[str, str] | None = (by_position[index], CHOSEN)
        else:
            hit = vocabulary.match(normalised, remembered) if normalised else None
        if hit is not None:
            best.setdefault(hit[0], []).append((_RANK[hit[1]], index))
    positions: dict[str, int] = {}
    how: dict[str, str] = {}
    used: set[int] = set()
    names = {rank: name for name, rank in _RANK.items()}
    for key, found in best.items():
        found.sort()
        rank, index = found[0]
        if len(found) > 1 and found[1][0] == rank:
            if rank == _RANK[EXACT]:
                raise UploadRejected(
                    _("表头“%(header)s”出现了两次（%(first)s和%(second)s单元格），无法确定使用哪一列："
                      "请删除或改名其中一列后重新上传。")
                    % {"header": vocabulary.header_of.get(key, key), "first": table.cell(index),
                       "second": table.cell(found[1][1])}
                )
            if rank != _RANK[CHOSEN]:
                continue  # two equal guesses: neither
        positions[key] = index
        how[key] = names[rank]
        used.add(index)
    ignored: list[tuple[int, str, str]] = []
    candidates: list[int] = []
    for index, header in enumerate(headers):
        if index in used or texts[index] in vocabulary.silent:
            continue
        candidates.append(index)
        if texts[index]:
            text = str(header).strip()
            ignored.append((index, text, _("表头“%(header)s”（%(cell)s单元格）不是模板中的列，已忽略。")
                            % {"header": text, "cell": table.cell(index)}))
    missing = [key for key in vocabulary.required if key not in positions]
    ordered = {key: positions[key] for key in vocabulary.header_of if key in positions}
    return Header(ordered, ignored, missing, {k: how[k] for k in ordered}, candidates)


def open_table(path: str | Path, inspected: Inspected, *, vocabulary: Vocabulary, sheet_name: str,
               no_table: str, empty_csv: str, remembered: Mapping[str, str] | None = None) -> Table:
    """The table of an inspected file. In a workbook: the sheet ``sheet_name`` when its header is found there,
    else the sheet whose header names the most columns; ``no_table`` / ``empty_csv`` are the messages when
    there is none."""
    try:
        if inspected.is_workbook:
            return _open_workbook(Path(path), inspected, sheet_name, vocabulary, remembered, no_table)
        return _open_text(Path(path), inspected, vocabulary, remembered, no_table, empty_csv)
    except UploadRejected:
        raise
    except Exception as exc:
        logger.warning("upload %s could not be read", path, exc_info=True)
        raise UploadRejected(_unreadable(inspected)) from exc


def _unreadable(inspected: Inspected) -> str:
    if inspected.kind == "xls":
        return _(
            "无法读取这个旧版Excel（.xls）或WPS表格文件：请在Excel或WPS中另存为“Excel 工作簿（*.xlsx）”后重新上传。"
        )
    return _("无法读取文件：文件已损坏或格式不受支持，请在Excel中打开并另存为.xlsx后重新上传。")


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


def _scan(rows: Iterator[tuple[int, Row]], *, first: int, scan: int = HEADER_SCAN) -> list[tuple[int, Row]]:
    """The first ``scan`` rows from row ``first`` on (the used range's first row; the empty rows above it are
    skipped)."""
    scanned: list[tuple[int, Row]] = []
    for number, row in rows:
        if number < first:
            continue
        scanned.append((number, row))
        if len(scanned) >= scan:
            break
    return scanned


def _best_row(scanned: list[tuple[int, Row]], vocabulary: Vocabulary,
              remembered: Mapping[str, str] | None) -> tuple[int, int]:
    """(index in ``scanned``, score) of the row naming the most columns (the first of equals); (-1, 0) when
    none names :data:`MIN_SCORE`."""
    at, best = -1, 0
    for index, (_number, row) in enumerate(scanned):
        score = vocabulary.score(row, remembered)
        if score > best:
            at, best = index, score
    return (at, best) if best >= MIN_SCORE else (-1, 0)


@dataclass
class _Found:
    name: str
    score: int
    scanned: list[tuple[int, Row]]
    at: int
    rows: Iterator[tuple[int, Row]]
    start: tuple[int, int]
    end: tuple[int, int]
    merged: list[Any]


def _open_workbook(path: Path, inspected: Inspected, sheet_name: str, vocabulary: Vocabulary,
                   remembered: Mapping[str, str] | None, no_table: str) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except Exception as exc:  # calamine raises its own error types for broken files
        logger.info("upload %s: workbook could not be opened: %r", path, exc)
        raise UploadRejected(
            _unreadable(inspected) if inspected.kind == "xls"
            else _("无法读取Excel文件：文件已损坏或格式不受支持，请用Excel重新保存为.xlsx。")
        ) from exc
    candidates = [sheet_name] if sheet_name in names else []
    candidates += [n for n in names if n != sheet_name]
    best: _Found | None = None
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
        scanned = _scan(rows, first=start[0] + 1)
        at, score = _best_row(scanned, vocabulary, remembered)
        if at < 0:
            continue
        if best is None or score > best.score:
            best = _Found(name, score, scanned, at, rows, start, end, merged)
        if name == sheet_name:
            break  # the template's own sheet, with its header
    if best is None:
        raise UploadRejected(no_table)
    number, header = best.scanned[best.at]
    above = {n: r for n, r in best.scanned[: best.at]}
    header, spans = _merged_header(header, number, above, best.merged, first_column=best.start[1])

    def data(found: _Found = best) -> Iterator[tuple[int, Row]]:
        yield from found.scanned[found.at + 1 :]
        yield from found.rows

    rows = _spread(data(), spans) if spans else data()
    return Table(header, rows, max(best.end[0] + 1 - number, 0), number, best.start[1], spans, best.name)


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


def _open_text(path: Path, inspected: Inspected, vocabulary: Vocabulary, remembered: Mapping[str, str] | None,
               no_table: str, empty_csv: str) -> Table:
    try:
        text = path.read_bytes().decode(inspected.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UploadRejected(_("无法识别CSV文件的编码：请保存为“UTF-8”或“GB18030/GBK”编码的CSV。")) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=inspected.delimiter or ",")

    def broken(number: int, exc: Exception) -> str:
        if isinstance(exc, csv.Error):
            return _("CSV文件格式错误（第%(n)d行）：%(err)s") % {"n": number + 1, "err": exc}
        return _broken_after(number)

    rows = _numbered(reader, first=1, broken=broken)
    scanned = _scan(rows, first=1)
    if not any(any(not is_empty(v) for v in row) for _n, row in scanned):
        raise UploadRejected(empty_csv)
    at, _score = _best_row(scanned, vocabulary, remembered)
    if at < 0:
        raise UploadRejected(no_table)
    number, header = scanned[at]

    def data() -> Iterator[tuple[int, Row]]:
        yield from scanned[at + 1 :]
        yield from rows

    return Table(header, data(), text.count("\n"), number, 0)
