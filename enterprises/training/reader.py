from __future__ import annotations

import logging
import re
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from ..intake.files import UploadRejected, check_size, inspect_file
from ..intake.mapping import NeedsMapping, header_state
from ..intake.reader import Header, Table, map_header, open_table
from .columns import DATA_SHEET, MAX_FILE_BYTES, MAX_ROWS, VOCABULARY

logger = logging.getLogger(__name__)


class Rows(list[tuple[int, dict[str, Any]]]):
    """The (row number, values by field) of a file's rows, and what the reader ignored (``warnings``)."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, Any]]] = (), warnings: Sequence[str] = (),
                 state: dict[str, Any] | None = None) -> None:
        super().__init__(rows)
        self.warnings = list(warnings)
        self.state = state or {}  # how the columns were found (intake.mapping.header_state)


def _missing() -> str:
    return _("表头缺少列：%(cols)s。请使用培训台账模板，或在表头行写明这些列名后重新上传。")


def _no_table() -> str:
    return _(
        "没有找到培训台账表格：各工作表前10行中都没有与培训台账列名相符的表头行（如“培训日期”“培训主题”）。"
        "请使用培训台账模板（推荐），或在自己表格的表头行写明这些列名后重新上传。"
    )


def _header_map(
    headers: Sequence[Any], table: Table | None = None, *, remembered: Mapping[str, str] | None = None,
    chosen: Mapping[str, int] | None = None,
) -> tuple[dict[str, int], list[str], Header]:
    """Each field's position among ``headers``, a warning for each non-empty header that is no column of the
    template (:func:`enterprises.intake.reader.map_header`), and the header as found."""
    found = map_header(headers, table, vocabulary=VOCABULARY, remembered=remembered, chosen=chosen)
    return found.positions, [message for _index, _text, message in found.ignored], found


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


def read_rows(path: str | Path, *, remembered: Mapping[str, str] | None = None,
              chosen: Mapping[str, int] | None = None, ask: bool = False) -> Rows:
    """The (row number, values by field) of a training file's non-empty rows, after the hostile-file
    guards of the ledger upload; raise :class:`UploadRejected` when the file as a whole is refused (also for
    any error of reading it: a broken file is never an error of the page). A required column that is missing
    refuses the file, or with ``ask`` (and columns to choose from) raises :class:`NeedsMapping`."""
    try:
        table = open_table(
            path,
            inspect_file(path),
            vocabulary=VOCABULARY,
            sheet_name=DATA_SHEET,
            remembered=remembered,
            no_table=_no_table(),
            empty_csv=_("CSV文件是空的，请使用培训台账模板填写后上传。"),
        )
        positions, warnings, header = _header_map(table.headers, table, remembered=remembered, chosen=chosen)
        state = header_state(table, header, VOCABULARY)
        if header.missing:
            if ask and header.candidates:
                raise NeedsMapping(state)
            header.require(_missing(), VOCABULARY.header_of)
        return Rows(_records(positions, table.rows), warnings, state)
    except (UploadRejected, NeedsMapping):
        raise
    except Exception as exc:
        logger.warning("training upload %s could not be read", path, exc_info=True)
        raise UploadRejected(
            _("无法读取文件：文件已损坏或格式不受支持，请在Excel中打开并另存为.xlsx后重新上传。")
        ) from exc


def _check_upload(uploaded_file: UploadedFile) -> None:
    check_size(uploaded_file.size or 0)
    if (uploaded_file.size or 0) > MAX_FILE_BYTES:
        raise UploadRejected(
            _("培训台账文件不应超过%(mb)d MB（最多%(n)d行）。请删除多余内容或拆分后上传。")
            % {"mb": MAX_FILE_BYTES // 1024 // 1024, "n": MAX_ROWS}
        )


def read_upload(uploaded_file: UploadedFile, *, remembered: Mapping[str, str] | None = None) -> Rows:
    _check_upload(uploaded_file)
    suffix = Path(uploaded_file.name or "").suffix.lower()[:8]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in uploaded_file.chunks():
            tmp.write(chunk)
        tmp.flush()
        return read_rows(tmp.name, remembered=remembered)


# ---- a file parked for the mapping step ----------------------------------------------------------------
PARKED_FOR = 24 * 3600  # seconds a parked file is kept
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _parked_dir(cb_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "training_uploads" / "parked" / str(int(cb_id))


def park_upload(uploaded_file: UploadedFile, *, cb_id: int) -> str:
    """Keep an uploaded training file (checked for its size) for the mapping step, in the CB's own folder;
    the token names it. Files parked more than a day ago are removed."""
    _check_upload(uploaded_file)
    folder = _parked_dir(cb_id)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PARKED_FOR
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(18)
    with (folder / token).open("wb") as fh:
        for chunk in uploaded_file.chunks():
            fh.write(chunk)
    return token


def parked_path(token: str, *, cb_id: int) -> Path | None:
    """The CB's parked file of ``token``, or ``None`` (another CB's token names nothing here)."""
    if not _TOKEN.match(token or ""):
        return None
    path = _parked_dir(cb_id) / token
    return path if path.is_file() else None


def unpark(token: str, *, cb_id: int) -> None:
    path = parked_path(token, cb_id=cb_id)
    if path is not None:
        path.unlink(missing_ok=True)
