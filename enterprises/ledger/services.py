from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditAction
from programme.models import CertificationBody
from reporting.jobs import job_create
from reporting.models import JobStatus

from ..intake.common import close_job, programme_year_of, require_cb
from ..intake.files import UploadRejected, check_size, inspect_file
from ..intake.mapping import LEDGER, parse_answers, remember
from ..models import (
    LedgerRecord,
    LedgerUpload,
    UploadStatus,
)
from ..registry.uscc import normalise_uscc
from .pipeline import API_FIELD_OF_HEADER, api_rows, ensure_open, merge_staged, record_discrepancies, validate_rows
from .rules import RowParser
from .store import StaleUpload, clear_staging

if TYPE_CHECKING:
    from portal.models import User

API_BATCH_MAX = 5000


def ledger_upload_create(*, actor: User, year: int, uploaded_file: UploadedFile) -> LedgerUpload:
    """Record the upload, run the cheap guards at once (size, content sniffing, zip bomb, XML attacks) and
    queue the validation job. A refused file is kept in the history (without its content)."""
    cb = require_cb(actor)
    programme_year = programme_year_of(year)
    try:
        check_size(uploaded_file.size or 0)
        ensure_open(year=programme_year.year, certification_body=cb)
    except UploadRejected as exc:
        raise ValidationError(str(exc)) from exc
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    name = Path(uploaded_file.name or "ledger").name[:255]
    with transaction.atomic():
        upload = LedgerUpload(
            programme_year=programme_year,
            certification_body=cb,
            uploaded_by=actor,
            original_name=name,
            size_bytes=uploaded_file.size or 0,
            sha256=digest.hexdigest(),
        )
        upload.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{cb.pk}.bin", uploaded_file, save=False)
        try:
            inspected = inspect_file(upload.file.path)
        except UploadRejected as exc:
            upload.file.delete(save=False)
            upload.status = UploadStatus.REJECTED
            upload.message = str(exc)
            upload.save()
            audit_record(
                actor=actor,
                action=AuditAction.OTHER,
                obj=upload,
                source=f"upload:{upload.pk}",
                changes={"rejected": str(exc), "file": name},
            )
            return upload
        upload.file_format = inspected.kind
        upload.save()
        upload.job = job_create(
            actor=actor,
            kind="ledger_validate",
            title=_("帮扶台账校验：%(name)s") % {"name": name},
            params={"upload_id": upload.pk},
        )
        upload.save(update_fields=["job"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=upload,
            source=f"upload:{upload.pk}",
            changes={"file": name, "sha256": upload.sha256, "year": programme_year.year},
        )
    return upload


def _own_upload(actor: User, upload: LedgerUpload) -> None:
    cb = require_cb(actor)
    if upload.certification_body_id != cb.pk:
        raise PermissionDenied(_("只能处理本机构的上传。"))


def ledger_upload_commit(*, actor: User, upload: LedgerUpload) -> LedgerUpload:
    """The user commits the valid rows of a validated upload: a job merges them."""
    _own_upload(actor, upload)
    with transaction.atomic():
        locked = LedgerUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.READY:
            raise ValidationError(_("该上传当前状态为“%(s)s”，不能入库。") % {"s": locked.get_status_display()})
        if locked.new_count + locked.changed_count + locked.unchanged_count == 0:
            raise ValidationError(_("没有可入库的有效行：请修改错误行后重新上传。"))
        locked.status = UploadStatus.COMMITTING
        locked.commit_job = job_create(
            actor=actor,
            kind="ledger_commit",
            title=_("帮扶台账入库：%(name)s") % {"name": locked.original_name},
            params={"upload_id": locked.pk},
        )
        locked.save(update_fields=["status", "commit_job"])
        close_job(locked.job_id, JobStatus.DONE)
    return locked


def ledger_upload_map_columns(*, actor: User, upload: LedgerUpload, data: Mapping[str, Any]) -> LedgerUpload:
    """The user's answers in the mapping step (``col-<key>`` → the position of one of the file's columns): kept
    for this file and remembered for the CB's next files; the file is then validated again (a new job)."""
    _own_upload(actor, upload)
    with transaction.atomic():
        locked = LedgerUpload.objects.select_for_update().select_related("certification_body").get(pk=upload.pk)
        if locked.status != UploadStatus.MAPPING:
            raise ValidationError(_("该上传当前状态为“%(s)s”，不需要匹配列。") % {"s": locked.get_status_display()})
        state = dict(locked.header_map or {})
        answers = parse_answers(state, data)
        kept = remember(
            certification_body=locked.certification_body, kind=LEDGER, actor=actor, state=state, answers=answers
        )
        close_job(locked.job_id, JobStatus.DONE)
        locked.header_map = {**state, "answers": answers}
        locked.status = UploadStatus.VALIDATING
        locked.job = job_create(
            actor=actor,
            kind="ledger_validate",
            title=_("帮扶台账校验：%(name)s") % {"name": locked.original_name},
            params={"upload_id": locked.pk},
        )
        locked.save(update_fields=["header_map", "status", "job"])
        audit_record(
            actor=actor,
            action=AuditAction.OTHER,
            obj=locked,
            source=f"upload:{locked.pk}",
            changes={"columns": answers, "remembered": [f"{header} → {key}" for header, key in kept]},
        )
    return locked


def ledger_upload_discard(*, actor: User, upload: LedgerUpload) -> LedgerUpload:
    """Nothing is stored: the staged rows are dropped and the upload is kept as history. An upload waiting for
    the user's decision can be discarded, and so can one that failed or was refused, or whose job failed
    without saying so on the upload (it would otherwise stay “校验中”/“入库中”)."""
    _own_upload(actor, upload)
    with transaction.atomic():
        locked = LedgerUpload.objects.select_for_update().get(pk=upload.pk)
        running = locked.commit_job if locked.status == UploadStatus.COMMITTING else locked.job
        stalled = (
            locked.status in {UploadStatus.VALIDATING, UploadStatus.COMMITTING}
            and running is not None
            and running.status in {JobStatus.FAILED, JobStatus.CANCELLED}
        )
        discardable = {UploadStatus.READY, UploadStatus.MAPPING, UploadStatus.FAILED, UploadStatus.REJECTED}
        if locked.status not in discardable and not stalled:
            raise ValidationError(_("该上传当前状态为“%(s)s”，不能放弃。") % {"s": locked.get_status_display()})
        clear_staging(locked.pk)
        locked.status = UploadStatus.DISCARDED
        locked.save(update_fields=["status"])
        close_job(locked.job_id, JobStatus.CANCELLED)
        audit_record(
            actor=actor, action=AuditAction.OTHER, obj=locked, source=f"upload:{locked.pk}", changes={"discarded": True}
        )
    return locked


def ledger_batch_submit(*, actor: User, year: int, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The API batch: the same rules as the upload, stored at once; a result per record. Idempotent on the
    natural key (CB × enterprise × year): sending the same batch again reports every record unchanged."""
    cb = require_cb(actor)
    programme_year = programme_year_of(year)
    if not records:
        raise ValidationError({"records": _("请至少提交一条记录。")})
    if len(records) > API_BATCH_MAX:
        raise ValidationError({"records": _("每批最多%(n)d条记录，请分批提交。") % {"n": API_BATCH_MAX}})
    try:
        ensure_open(year=programme_year.year, certification_body=cb)
    except UploadRejected as exc:
        raise PermissionDenied(str(exc)) from exc
    with transaction.atomic():
        cb = CertificationBody.objects.select_for_update().get(pk=cb.pk)
        upload = LedgerUpload.objects.create(
            programme_year=programme_year,
            certification_body=cb,
            uploaded_by=actor,
            original_name="API",
            file_format="api",
            status=UploadStatus.COMMITTING,
        )
        parser = RowParser(certification_body=cb, year=programme_year.year)
        outcome = validate_rows(
            upload_id=upload.pk, parser=parser, rows=api_rows(records), total=len(records), keep_raw=False
        )
        # Rows without errors that are not staged are unchanged (only what the merge writes is staged).
        staged = {row: action for row, action in upload.staged_rows.values_list("row_number", "action")}
        now = timezone.now()
        source = f"api:{upload.pk}"
        result = merge_staged(
            upload_id=upload.pk,
            certification_body_id=cb.pk,
            year=programme_year.year,
            actor_id=actor.pk,
            source=source,
            now=now,
            expect={"new": outcome.new, "changed": outcome.changed},
        )
        result["discrepancies"] = record_discrepancies(upload=upload, year=programme_year.year)
        clear_staging(upload.pk)
        issues = [i.as_dict() for i in outcome.issues]
        upload.status = UploadStatus.COMMITTED
        upload.total_rows, upload.new_count, upload.changed_count = outcome.total, outcome.new, outcome.changed
        upload.unchanged_count, upload.failed_count, upload.warning_count = (
            outcome.unchanged,
            outcome.failed,
            outcome.warnings,
        )
        upload.issues, upload.validated_at, upload.committed_at, upload.committed_by = issues, now, now, actor
        upload.result = result
        upload.save()
    by_row: dict[int, list[dict[str, Any]]] = {}
    for issue in issues:
        by_row.setdefault(issue["row"], []).append(issue)
    status_word = {"new": "created", "changed": "updated", "unchanged": "unchanged"}
    results = []
    for index, record in enumerate(records, start=1):
        found = by_row.get(index, [])
        errors = [
            {"field": API_FIELD_OF_HEADER.get(i["column"], i["column"]), "message": i["message"]}
            for i in found
            if i["level"] == "error"
        ]
        warnings = [
            {"field": API_FIELD_OF_HEADER.get(i["column"], i["column"]), "message": i["message"]}
            for i in found
            if i["level"] == "warning"
        ]
        results.append(
            {
                "index": index - 1,
                "uscc": normalise_uscc(record.get("uscc", ""))[:32],  # the stored form
                "status": "failed" if errors else status_word[staged.get(index, "unchanged")],
                "errors": errors,
                "warnings": warnings,
            }
        )
    counts = {
        "created": outcome.new,
        "updated": outcome.changed,
        "unchanged": outcome.unchanged,
        "failed": outcome.failed,
    }
    return {"batch_id": upload.pk, "counts": counts, "results": results}


def ledger_record_delete(*, actor: User, record: LedgerRecord, source: str = "web") -> None:
    cb = require_cb(actor)
    if record.certification_body_id != cb.pk:
        raise PermissionDenied(_("只能删除本机构的台账记录。"))
    try:
        ensure_open(year=record.programme_year_id, certification_body=cb)
    except UploadRejected as exc:
        raise PermissionDenied(str(exc)) from exc
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=record,
            source=source,
            changes={"uscc": record.enterprise.uscc, "year": record.programme_year_id},
        )
        record.delete()


__all__ = [
    "StaleUpload",
    "ledger_batch_submit",
    "ledger_record_delete",
    "ledger_upload_commit",
    "ledger_upload_create",
    "ledger_upload_discard",
    "ledger_upload_map_columns",
]
