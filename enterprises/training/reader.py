from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from ..intake.files import UploadRejected, check_size, inspect_file
from ..intake.reader import Table, map_header, norm_header, open_table
from .columns import COLUMNS, DATA_SHEET, HEADER_OF, MAX_FILE_BYTES, MAX_ROWS, OPTIONAL

logger = logging.getLogger(__name__)

# ---- reading a file -------------------------------------------------------------------------------
_WANTED = {norm_header(h): key for key, h in [*((c.key, c.header) for c in COLUMNS), *OPTIONAL.items()]}
# Columns of the training export that the upload does not read (an exported sheet may be uploaded again).
_EXPORT_ONLY = {norm_header(h) for h in ("认证机构", "区县")}


class Rows(list[tuple[int, dict[str, Any]]]):
    """The (row number, values by field) of a file's rows, and what the reader ignored (``warnings``)."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, Any]]] = (), warnings: Sequence[str] = ()) -> None:
        super().__init__(rows)
        self.warnings = list(warnings)


def _positions(headers: Sequence[Any], table: Table | None = None) -> dict[str, int]:
    return _header_map(headers, table)[0]


def _header_map(headers: Sequence[Any], table: Table | None = None) -> tuple[dict[str, int], list[str]]:
    """Each field's position among ``headers`` and a warning for each non-empty header that is no column of
    the template (:func:`enterprises.intake.reader.map_header`)."""
    found = map_header(
        headers, table, wanted=_WANTED, header_of={**HEADER_OF, **OPTIONAL}, required=[c.key for c in COLUMNS],
        silent=_EXPORT_ONLY, missing=_("表头缺少列：%(cols)s。请使用培训台账模板（第1行为表头）。"),
    )
    return found.positions, [message for _index, _text, message in found.ignored]


def _records(positions: dict[str, int], rows: Iterator[tuple[int, Sequence[Any]]]) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for number, row in rows:
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        if len(out) >= MAX_ROWS:
            raise UploadRejected(_("文件超过%(n)d行，请拆分为多个文件分别上传。") % {"n": MAX_ROWS})
        out.append((number, {key: row[i] if i < len(row) else None for key, i in positions.items()}))
    if not out:
        raise UploadRejected(_("文件中没有培训记录，请在表头下方逐行填写。"))
    return out


def read_rows(path: str | Path) -> Rows:
    """The (row number, values by field) of a training file's non-empty rows, after the hostile-file
    guards of the ledger upload; raise :class:`UploadRejected` when the file as a whole is refused (also for
    any error of reading it: a broken file is never an error of the page)."""
    try:
        table = open_table(
            path,
            inspect_file(path),
            sheet_name=DATA_SHEET,
            marker=COLUMNS[0].header,
            no_sheet=_("没有找到培训台账工作表：请使用培训台账模板，在“%(sheet)s”工作表第1行保留表头。")
            % {"sheet": DATA_SHEET},
            empty_csv=_("CSV文件是空的，请使用培训台账模板填写后上传。"),
        )
        positions, warnings = _header_map(table.headers, table)
        return Rows(_records(positions, table.rows), warnings)
    except UploadRejected:
        raise
    except Exception as exc:
        logger.warning("training upload %s could not be read", path, exc_info=True)
        raise UploadRejected(
            _("无法读取文件：文件已损坏或格式不受支持，请在Excel中打开并另存为.xlsx后重新上传。")
        ) from exc


def read_upload(uploaded_file: UploadedFile) -> Rows:
    check_size(uploaded_file.size or 0)
    if (uploaded_file.size or 0) > MAX_FILE_BYTES:
        raise UploadRejected(
            _("培训台账文件不应超过%(mb)d MB（最多%(n)d行）。请删除多余内容或拆分后上传。")
            % {"mb": MAX_FILE_BYTES // 1024 // 1024, "n": MAX_ROWS}
        )
    suffix = Path(uploaded_file.name or "").suffix.lower()[:8]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in uploaded_file.chunks():
            tmp.write(chunk)
        tmp.flush()
        return read_rows(tmp.name)
