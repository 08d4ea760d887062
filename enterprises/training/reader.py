from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from ..intake.files import UploadRejected, check_size, inspect_file
from ..intake.reader import norm_header, open_table
from .columns import COLUMNS, DATA_SHEET, MAX_FILE_BYTES, MAX_ROWS, OPTIONAL

# ---- reading a file -------------------------------------------------------------------------------
_WANTED = {norm_header(h): key for key, h in [*((c.key, c.header) for c in COLUMNS), *OPTIONAL.items()]}


def _positions(headers: Sequence[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _WANTED.get(norm_header(header))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [c.header for c in COLUMNS if c.key not in positions]
    if missing:
        raise UploadRejected(
            _("表头缺少列：%(cols)s。请使用培训台账模板（第1行为表头）。") % {"cols": "、".join(missing)}
        )
    return positions


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


def read_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """The (row number, values by field) of a training file's non-empty rows, after the hostile-file
    guards of the ledger upload; raise :class:`UploadRejected` when the file as a whole is refused."""
    table = open_table(
        path,
        inspect_file(path),
        sheet_name=DATA_SHEET,
        marker=COLUMNS[0].header,
        no_sheet=_("没有找到培训台账工作表：请使用培训台账模板，在“%(sheet)s”工作表第1行保留表头。")
        % {"sheet": DATA_SHEET},
        empty_csv=_("CSV文件是空的，请使用培训台账模板填写后上传。"),
    )
    return _records(_positions(table.headers), table.rows)


def read_upload(uploaded_file: UploadedFile) -> list[tuple[int, dict[str, Any]]]:
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
