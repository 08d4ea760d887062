"""The upload as the jobs run it: validate (parse → rules → staging) and commit (merge staged rows)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programme.models import CertificationBody, DeadlineKind
from programme.services import deadline_state

from ..intake.files import UploadRejected, inspect_file
from ..intake.mapping import LEDGER, header_state, remembered_for
from ..models import EnterpriseDiscrepancy, LedgerRecord, LedgerStagingRow, LedgerUpload, UploadStatus
from .columns import COLUMNS, VOCABULARY
from .reader import missing_message, read_sheet
from .rules import Issue, Parsed, RowParser, Staged
from .store import StaleUpload, clear_staging, merge_staged, write_staging
from .template import failed_rows_xlsx

if TYPE_CHECKING:
    from portal.models import User

logger = logging.getLogger(__name__)

CHUNK = 5000
MAX_ROWS = 200_000
Progress = Callable[[int, int], None]


def _noop(done: int, total: int) -> None:
    return None


@dataclass
class Outcome:
    total: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    warnings: int = 0
    issues: list[Issue] = field(default_factory=list)
    failed_rows: list[tuple[int, list[Any], list[str]]] = field(default_factory=list)


def ensure_open(*, year: int, certification_body: CertificationBody) -> None:
    state = deadline_state(year=year, kind=DeadlineKind.LEDGER, certification_body=certification_body)
    if not state.is_open:
        due = timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""
        raise UploadRejected(
            _("%(year)d年度帮扶台账已于%(due)s截止报送，不能再新增或修改。如需补报，请联系省局批准延期。")
            % {"year": year, "due": due}
        )


def validate_rows(
    *,
    upload_id: int,
    parser: RowParser,
    rows: Iterable[tuple[int, list[Any]]],
    total: int,
    progress: Progress = _noop,
    keep_raw: bool = True,
) -> Outcome:
    """Run every rule over the rows and stage the valid ones the commit has to write for ``upload_id``: new and
    changed records, and unchanged ones that update or question the registry (idempotent: the upload's earlier
    staged rows are cleared first)."""
    clear_staging(upload_id)
    outcome = Outcome()
    chunk: list[Parsed] = []
    raw_of: dict[int, list[Any]] = {}
    positions = parser.positions

    def fail(number: int, raw: list[Any], issues: list[Issue]) -> None:
        outcome.failed += 1
        if keep_raw:
            width = len(raw)
            ordered = [raw[p] if 0 <= p < width else None for p in positions]
            outcome.failed_rows.append((number, ordered, [f"【{i.column}】{i.message}" for i in issues]))

    def flush() -> None:
        staged, issues = parser.resolve(chunk)
        by_row: dict[int, list[Issue]] = {}
        for issue in issues:
            by_row.setdefault(issue.row, []).append(issue)
        outcome.issues.extend(issues)
        for number, row_issues in by_row.items():
            fail(number, raw_of.get(number, []), row_issues)
        to_stage = []
        for item in staged:
            if item.action == "new":
                outcome.new += 1
            elif item.action == "changed":
                outcome.changed += 1
            else:
                outcome.unchanged += 1
                if not (item.enterprise_update or item.discrepancies):
                    continue  # nothing for the commit to write: not staged (a re-upload stages nothing)
            to_stage.append(item)
        if writer is None:
            write_staging(upload_id, to_stage)
        else:
            writer.submit(to_stage)
        chunk.clear()
        raw_of.clear()

    writer = _StagingWriter(upload_id, progress) if total > CHUNK and _can_write_behind() else None
    # Hundreds of thousands of short-lived rows: the cyclic collector would rescan the heap over and over
    # (it doubles the cost); nothing here builds reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _validate_loop(
            rows, parser, outcome, chunk, raw_of, fail, flush, progress if writer is None else writer.progress,
            total, keep_raw,
        )
        if writer is not None:
            writer.finish()
    finally:
        if writer is not None:
            writer.close()
        if collecting:
            gc.enable()
    return outcome


def _can_write_behind() -> bool:
    """Staging on a second connection is only the same thing when this one is in autocommit (each chunk's COPY
    commits on its own either way); inside a transaction (the commit job validating again, tests) the rows must
    be written by this connection."""
    return connection.vendor == "postgresql" and connection.get_autocommit() and not connection.in_atomic_block


def _close_thread_connection() -> None:
    connection.close()


class _StagingWriter:
    """COPY each chunk's staged rows from a second thread (own connection) while this one reads and checks the
    next chunk: the server's insert work overlaps the parsing instead of following it.

    One chunk is in flight at a time. Progress stays what it was ("rows up to N are staged"): a chunk's progress
    is reported once its COPY has committed.
    """

    def __init__(self, upload_id: int, progress: Progress) -> None:
        self.upload_id = upload_id
        self._report = progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-staging")
        self._in_flight: Future[None] | None = None
        self._pending: list[tuple[int, int]] = []

    def _wait(self) -> None:
        if self._in_flight is not None:
            future, self._in_flight = self._in_flight, None
            future.result()
        pending, self._pending = self._pending, []
        for done, total in pending:
            self._report(done, total)

    def submit(self, staged: list[Staged]) -> None:
        self._wait()
        if staged:
            self._in_flight = self._pool.submit(write_staging, self.upload_id, staged)

    def progress(self, done: int, total: int) -> None:
        if self._in_flight is None:
            self._wait()
            self._report(done, total)
        else:
            self._pending.append((done, total))

    def finish(self) -> None:
        self._wait()

    def close(self) -> None:
        """Wait for the write in flight (also when validation stopped with an error: nothing may be written
        after the caller clears the staged rows), then close the thread's connection."""
        try:
            if self._in_flight is not None:
                wait([self._in_flight])
        finally:
            self._pool.submit(_close_thread_connection).result()
            self._pool.shutdown(wait=True)


def _validate_loop(rows: Iterable[tuple[int, list[Any]]], parser: RowParser, outcome: Outcome, chunk: list[Parsed],
                   raw_of: dict[int, list[Any]], fail: Callable[..., None], flush: Callable[[], None],
                   progress: Progress, total: int, keep_raw: bool) -> None:
    for number, row in rows:
        outcome.total += 1
        if outcome.total > MAX_ROWS:
            raise UploadRejected(_("一次最多上传%(n)d行，请拆分文件后分别上传。") % {"n": MAX_ROWS})
        parsed, issues = parser.parse(number, row)
        if issues:
            outcome.issues.extend(issues)
            outcome.warnings += sum(1 for i in issues if i.level == "warning")
        if parsed is None:
            fail(number, row, [i for i in issues if i.level == "error"])
            continue
        chunk.append(parsed)
        if keep_raw:
            raw_of[number] = row
        if len(chunk) >= CHUNK:
            flush()
            progress(outcome.total, max(total, outcome.total))
    flush()
    progress(outcome.total, outcome.total)


def validate_upload(upload: LedgerUpload, progress: Progress = _noop) -> dict[str, Any]:
    """The validation job: guards, parse, rules, staging; the upload waits for the user's decision."""
    cb = upload.certification_body
    # The records are read while the file is checked, without the CB's lock: anything committed from this moment
    # on may be missing from the preview, so the commit compares the records' changes with this time.
    started = timezone.now()
    try:
        ensure_open(year=upload.programme_year_id, certification_body=cb)
        path = upload.file.path
        inspected = inspect_file(path)
        if upload.file_format != inspected.kind:
            LedgerUpload.objects.filter(pk=upload.pk).update(file_format=inspected.kind)
        answers = {k: int(v) for k, v in (upload.header_map or {}).get("answers", {}).items()}
        sheet = read_sheet(
            path, inspected, remembered=remembered_for(cb, LEDGER), chosen=answers or None, require=False
        )
        state = header_state(sheet.table, sheet.header, VOCABULARY)
        if answers:
            state["answers"] = answers
        if sheet.header.missing:
            if answers or not sheet.header.candidates:
                sheet.header.require(missing_message(), VOCABULARY.header_of)
            # Park the upload: the user chooses the missing columns among the file's others, then it is
            # validated again (a new job) with the answers.
            LedgerUpload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.MAPPING, header_map=state, message="", validated_at=None
            )
            return {"mapping": [m["key"] for m in state["missing"]], "_status": "awaiting"}
        parser = RowParser(certification_body=cb, year=upload.programme_year_id)
        parser.positions = sheet.positions
        outcome = validate_rows(
            upload_id=upload.pk, parser=parser, rows=sheet.rows, total=sheet.total, progress=progress
        )
    except UploadRejected as exc:  # the reader turns every error of reading the file into one
        clear_staging(upload.pk)
        LedgerUpload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED, message=str(exc), validated_at=timezone.now()
        )
        return {"rejected": str(exc)}
    if outcome.total == 0:
        LedgerUpload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED,
            message=_("文件中没有数据行：请在表头下方逐行填写台账。"),
            validated_at=timezone.now(),
        )
        return {"rejected": "empty"}
    outcome.issues.extend(sheet.warnings)  # header cells that are ignored
    outcome.warnings += len(sheet.warnings)
    failed_name = ""
    if outcome.failed_rows:
        rows = [r for _n, r, _e in outcome.failed_rows]
        errors = [f"第{n}行：" + "；".join(e) for n, _r, e in outcome.failed_rows]
        content = failed_rows_xlsx(year=upload.programme_year_id, rows=rows, errors=errors)
        upload.failed_file.save(f"failed-rows-{upload.pk}.xlsx", ContentFile(content), save=False)
        failed_name = upload.failed_file.name or ""
    issues = sorted((i.as_dict() for i in outcome.issues), key=lambda d: (d["row"], d["level"] != "error"))
    fields = {
        "status": UploadStatus.READY,
        "message": "",
        "total_rows": outcome.total,
        "new_count": outcome.new,
        "changed_count": outcome.changed,
        "unchanged_count": outcome.unchanged,
        "failed_count": outcome.failed,
        "warning_count": outcome.warnings,
        "issues": issues,
        "failed_file": failed_name,
        "validated_at": started,
        "header_map": state,
    }
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.save(update_fields=list(fields))
    return {"counts": upload.counts, "_status": "awaiting"}


def commit_upload(upload: LedgerUpload, *, actor: User, progress: Progress = _noop) -> dict[str, Any]:
    """The commit job: merge the staged valid rows (all of them, or none on any conflict)."""
    source = f"upload:{upload.pk}"
    try:
        with transaction.atomic():
            cb = CertificationBody.objects.select_for_update().get(pk=upload.certification_body_id)
            ensure_open(year=upload.programme_year_id, certification_body=cb)
            if _is_stale(upload):
                # Records changed since the preview: validate again against the current data first.
                validate_upload(upload, progress)
                upload.refresh_from_db()
                if upload.status != UploadStatus.READY:
                    raise UploadRejected(upload.message)
            now = timezone.now()
            result = merge_staged(
                upload_id=upload.pk,
                certification_body_id=cb.pk,
                year=upload.programme_year_id,
                actor_id=getattr(actor, "pk", None),
                source=source,
                now=now,
                expect={"new": upload.new_count, "changed": upload.changed_count},
            )
            result["discrepancies"] = record_discrepancies(upload=upload, year=upload.programme_year_id)
            result["unchanged"] = upload.unchanged_count
            result["failed"] = upload.failed_count
            clear_staging(upload.pk)
            LedgerUpload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.COMMITTED, committed_at=now, committed_by=actor, result=result
            )
    except (UploadRejected, StaleUpload, IntegrityError) as exc:
        message = (
            str(exc)
            if isinstance(exc, UploadRejected)
            else _("入库时发现数据已被其他操作修改（或证书编号冲突），本次未写入任何记录。请重新上传文件校验。")
        )
        if isinstance(exc, IntegrityError):
            logger.warning("ledger upload %s: integrity error at commit: %s", upload.pk, exc)
        LedgerUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.FAILED, message=message)
        return {"failed": message}
    progress(1, 1)
    return result


def _is_stale(upload: LedgerUpload) -> bool:
    if upload.validated_at is None:
        return True
    return LedgerRecord.objects.filter(
        certification_body_id=upload.certification_body_id,
        programme_year_id=upload.programme_year_id,
        updated_at__gt=upload.validated_at,
    ).exists()


def record_discrepancies(*, upload: LedgerUpload, year: int) -> int:
    rows = (
        LedgerStagingRow.objects.filter(upload=upload)
        .exclude(discrepancies=[])
        .values_list("enterprise_id", "discrepancies")
    )
    items = [
        EnterpriseDiscrepancy(
            enterprise_id=ent,  # type: ignore[misc]
            field=d["field"],
            registry_value=str(d["registry"])[:128],
            reported_value=str(d["reported"])[:128],
            reported_by_id=upload.certification_body_id,
            programme_year_id=year,
            upload=upload if upload.file_format != "api" else None,
        )
        for ent, found in rows
        for d in found
    ]
    EnterpriseDiscrepancy.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)


def api_rows(records: Iterable[dict[str, Any]]) -> Iterator[tuple[int, list[Any]]]:
    """API records (codes or labels, lists for the multi-valued fields) as template-ordered rows."""
    for index, record in enumerate(records, start=1):
        row: list[Any] = []
        for column in COLUMNS:
            if column.key.startswith("dim:"):
                row.append("是" if column.key[4:] in (record.get("dimensions") or []) else "否")
            elif column.key.startswith("mode:"):
                row.append("是" if column.key[5:] in (record.get("modes") or []) else "否")
            elif column.key == "certified":
                row.append("是" if record.get("certified") else "否")
            else:
                value = record.get(API_NAMES.get(column.key, column.key))
                row.append("" if value is None else value)
        yield index, row


API_NAMES = {"cb": "certification_body", "district": "district_code", "year": "programme_year"}
API_FIELD_OF_HEADER = {c.header: API_NAMES.get(c.key, c.key) for c in COLUMNS}
API_FIELD_OF_HEADER.update({"帮扶维度": "dimensions", "帮扶方式": "modes"})
for _c in COLUMNS:
    if _c.key.startswith("dim:"):
        API_FIELD_OF_HEADER[_c.header] = "dimensions"
    elif _c.key.startswith("mode:"):
        API_FIELD_OF_HEADER[_c.header] = "modes"


def upload_failed(upload: LedgerUpload, *, was: str, message: str) -> None:
    """After an unexpected error of its job: the upload (still ``was``) keeps nothing staged and says what
    happened; it can be discarded and the file uploaded again."""
    try:
        clear_staging(upload.pk)
    finally:
        LedgerUpload.objects.filter(pk=upload.pk, status=was).update(status=UploadStatus.FAILED, message=message)
