"""Writes of the enterprises app: ledger uploads and API batches, ledger records, discrepancies, training."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditAction
from portal.roles import Role
from programme.models import CertificationBody, DeadlineKind, OrgUnit, ProgrammeYear
from programme.services import deadline_state
from reporting.jobs import job_create
from reporting.models import Job, JobStatus

from .ledger.files import UploadRejected, check_size, inspect_file
from .ledger.pipeline import (
    API_FIELD_OF_HEADER,
    api_rows,
    ensure_open,
    merge_staged,
    record_discrepancies,
    validate_rows,
)
from .ledger.store import StaleUpload, clear_staging
from .ledger.validation import RowParser
from .models import (
    DiscrepancyField,
    DiscrepancyStatus,
    Enterprise,
    EnterpriseDiscrepancy,
    LedgerRecord,
    LedgerUpload,
    TrainingRecord,
    UploadStatus,
)
from .sizing import classify

API_BATCH_MAX = 5000


def _require_cb(actor: Any) -> CertificationBody:
    if getattr(actor, "role", None) != Role.CB or actor.certification_body_id is None:
        raise PermissionDenied(_("只有认证机构用户可以报送帮扶台账。"))
    return actor.certification_body


def _year(year: int) -> ProgrammeYear:
    try:
        return ProgrammeYear.objects.get(pk=year)
    except (ProgrammeYear.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"programme_year": _("没有%(y)s年度的提升行动。") % {"y": year}}) from exc


def ledger_upload_create(*, actor: Any, year: int, uploaded_file: UploadedFile) -> LedgerUpload:
    """Record the upload, run the cheap guards at once (size, content sniffing, zip bomb, XML attacks) and
    queue the validation job. A refused file is kept in the history (without its content)."""
    cb = _require_cb(actor)
    programme_year = _year(year)
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


def _own_upload(actor: Any, upload: LedgerUpload) -> None:
    cb = _require_cb(actor)
    if upload.certification_body_id != cb.pk:
        raise PermissionDenied(_("只能处理本机构的上传。"))


def ledger_upload_commit(*, actor: Any, upload: LedgerUpload) -> LedgerUpload:
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
        _close_job(locked.job_id, JobStatus.DONE)
    return locked


def ledger_upload_discard(*, actor: Any, upload: LedgerUpload) -> LedgerUpload:
    """Nothing is stored: the staged rows are dropped and the upload is kept as history."""
    _own_upload(actor, upload)
    with transaction.atomic():
        locked = LedgerUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.READY:
            raise ValidationError(_("该上传当前状态为“%(s)s”，不能放弃。") % {"s": locked.get_status_display()})
        clear_staging(locked.pk)
        locked.status = UploadStatus.DISCARDED
        locked.save(update_fields=["status"])
        _close_job(locked.job_id, JobStatus.CANCELLED)
        audit_record(
            actor=actor, action=AuditAction.OTHER, obj=locked, source=f"upload:{locked.pk}", changes={"discarded": True}
        )
    return locked


def _close_job(job_id: int | None, status: str) -> None:
    if job_id:
        Job.objects.filter(pk=job_id, status=JobStatus.AWAITING).update(status=status, finished_at=timezone.now())


def ledger_batch_submit(*, actor: Any, year: int, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The API batch: the same rules as the upload, stored at once; a result per record. Idempotent on the
    natural key (CB × enterprise × year): sending the same batch again reports every record unchanged."""
    cb = _require_cb(actor)
    programme_year = _year(year)
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
                "uscc": str(record.get("uscc", ""))[:32],
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


def ledger_record_delete(*, actor: Any, record: LedgerRecord, source: str = "web") -> None:
    cb = _require_cb(actor)
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


def discrepancy_settle(*, actor: Any, discrepancy: EnterpriseDiscrepancy, accept: bool, note: str = "") -> None:
    """District (or province) staff settle a reported difference: take the reported value into the registry,
    or keep the registry's."""
    if getattr(actor, "role", None) not in {Role.DISTRICT, Role.PROVINCE} or actor.org_unit is None:
        raise PermissionDenied(_("只有企业所在地的区县局或省局可以处理企业信息差异。"))
    with transaction.atomic():
        item = (
            EnterpriseDiscrepancy.objects.select_for_update()
            .select_related("enterprise__district")
            .get(pk=discrepancy.pk)
        )
        enterprise = item.enterprise
        if not enterprise.district.is_within(actor.org_unit):
            raise PermissionDenied(_("该企业不在本单位辖区内。"))
        if item.status != DiscrepancyStatus.OPEN:
            raise ValidationError(_("该差异已处理。"))
        changes: dict[str, Any] = {}
        if accept:
            changes = _apply_reported(enterprise, item)
        item.status = DiscrepancyStatus.ACCEPTED if accept else DiscrepancyStatus.REJECTED
        item.settled_by, item.settled_at, item.note = actor, timezone.now(), note.strip()[:255]
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=item,
            source="web",
            changes={"status": item.status, "note": item.note},
        )
        if changes:
            audit_record(
                actor=actor, action=AuditAction.UPDATE, obj=enterprise, source=f"discrepancy:{item.pk}", changes=changes
            )
        # Other open reports of the same field with the same value are settled with it.
        EnterpriseDiscrepancy.objects.filter(
            enterprise=enterprise, field=item.field, status=DiscrepancyStatus.OPEN
        ).exclude(pk=item.pk).filter(reported_value=item.reported_value).update(
            status=item.status, settled_by=actor, settled_at=item.settled_at, note=item.note
        )


def _apply_reported(enterprise: Enterprise, item: EnterpriseDiscrepancy) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if item.field == DiscrepancyField.NAME:
        changes["name"] = [enterprise.name, item.reported_value]
        enterprise.name = item.reported_value
    elif item.field == DiscrepancyField.DISTRICT:
        district = OrgUnit.objects.get(code=item.reported_value)
        changes["district"] = [enterprise.district.code, district.code]
        enterprise.district = district
    else:
        record = (
            LedgerRecord.objects.filter(enterprise=enterprise, certification_body=item.reported_by)
            .order_by("-programme_year_id")
            .first()
        )
        if record is not None:
            enterprise.industry = record.reported_industry
            enterprise.employees = record.reported_employees
            enterprise.revenue = record.reported_revenue
        size = classify(
            industry=enterprise.industry,
            employees=enterprise.employees,
            revenue=enterprise.revenue,
            assets=enterprise.assets,
        )
        changes["size_class"] = [enterprise.size_class, size]
        enterprise.size_class = size
    enterprise.full_clean(validate_unique=False)
    enterprise.save()
    return changes


def ensure_training_open(*, year: int, certification_body: CertificationBody) -> None:
    state = deadline_state(year=year, kind=DeadlineKind.TRAINING, certification_body=certification_body)
    if not state.is_open:
        due = timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""
        raise PermissionDenied(
            _("%(year)d年度培训台账已于%(due)s截止报送，不能再新增。如需补报，请联系省局批准延期。")
            % {"year": year, "due": due}
        )


def training_date_problem(held_on: Any, year: int) -> str | None:
    """The message when a training date lies outside its programme year (single records and uploads)."""
    return _("培训日期须在%(y)d年度内。") % {"y": year} if held_on.year != year else None


def training_record_create(*, actor: Any, source: str = "web", **fields: Any) -> TrainingRecord:
    cb = _require_cb(actor)
    year = fields.get("programme_year")
    year_value = year.pk if isinstance(year, ProgrammeYear) else int(year or 0)
    ensure_training_open(year=year_value, certification_body=cb)
    held_on = fields.get("held_on")
    if held_on is not None and (problem := training_date_problem(held_on, year_value)):
        raise ValidationError({"held_on": problem})
    with transaction.atomic():
        record = TrainingRecord(certification_body=cb, source=source, **fields)
        record.full_clean()
        record.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            source=source,
            changes={"topic": record.topic, "held_on": str(record.held_on), "person_count": record.person_count},
        )
    return record


__all__ = [
    "StaleUpload",
    "discrepancy_settle",
    "ensure_training_open",
    "ledger_batch_submit",
    "ledger_record_delete",
    "ledger_upload_commit",
    "ledger_upload_create",
    "ledger_upload_discard",
    "training_record_create",
]
