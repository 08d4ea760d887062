from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.audit import audit_bulk
from portal.models import AuditAction
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel

from ..intake.common import programme_year_of, require_cb
from ..models import TrainingRecord
from .columns import HEADER_OF, MAX_ROWS, OPTIONAL
from .reader import read_upload
from .rules import RESOLVED, model_errors, parse_row, row_rules, text_of
from .services import ensure_training_open


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (header = row 1), the record's index in an API batch, or -1 (all)
    field: str  # the API field name ("" for the row as a whole)
    message: str

    @property
    def column(self) -> str:
        return HEADER_OF.get(self.field, OPTIONAL.get(self.field, self.field))


TRAINING_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, cb id)


def _lock_training_batches(cb: CertificationBody) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TRAINING_LOCK_NAMESPACE, cb.pk])
    else:  # SQLite serialises writers itself
        CertificationBody.objects.select_for_update().filter(pk=cb.pk).exists()


class BatchRejected(Exception):
    """At least one row failed; nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(ngettext("%(n)d处错误，未保存任何记录。", "%(n)d处错误，未保存任何记录。", len(errors))
                         % {"n": len(errors)})
        self.errors = errors


def training_batch_create(
    *, actor: Any, year: int, rows: Sequence[tuple[int, Mapping[str, Any]]], source: str = "upload"
) -> list[TrainingRecord]:
    """Store every row or none. ``rows`` are (row number, values by field name); raise
    :class:`BatchRejected` with every failure, ``PermissionDenied`` for a non-CB or a locked year."""
    cb = require_cb(actor)
    programme_year = programme_year_of(year)
    if not rows:
        raise ValidationError({"records": _("请至少提交一条记录。")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"records": _("每批最多%(n)d条记录，请分批提交。") % {"n": MAX_ROWS}})
    ensure_training_open(year=programme_year.year, certification_body=cb)
    codes = {text_of(values.get("district_code")) for _n, values in rows}
    districts = {u.code: u for u in OrgUnit.objects.filter(code__in=codes, level=OrgUnitLevel.DISTRICT)}
    with transaction.atomic():
        # One batch per CB at a time, so the duplicate checks below still hold when the rows are inserted. A
        # training-only lock: the CB row itself is locked by ledger merges, which may run for a while.
        _lock_training_batches(cb)
        errors: list[RowError] = []
        records: list[TrainingRecord] = []
        seen: dict[tuple[Any, ...], int] = {}
        stored = set(
            TrainingRecord.objects.filter(programme_year=programme_year, certification_body=cb).values_list(
                "held_on", "topic", "district_id"
            )
        )
        for number, values in rows:
            fields, problems = parse_row(values, year=programme_year.year, cb=cb, districts=districts)
            if not problems:
                problems = row_rules(fields, year=programme_year.year)
                key = (fields["held_on"], fields["topic"], fields["district"].pk)
                if key in stored:
                    problems.append(("topic", _("本机构已有同一日期、区县、主题的培训记录，请勿重复上传。")))
                elif key in seen:
                    problems.append(
                        ("topic", _("与第%(n)d行的日期、区县、主题相同，请合并或删除重复行。") % {"n": seen[key]})
                    )
                else:
                    seen[key] = number
            if not problems:
                record = TrainingRecord(programme_year=programme_year, certification_body=cb, source=source, **fields)
                try:
                    # The foreign keys are rows just read from the database and the two constraints
                    # (natural key, persons >= enterprises) are checked above for the whole batch at once;
                    # the insert below still enforces them, so a miss can only reject the batch.
                    record.full_clean(exclude=RESOLVED, validate_constraints=False)
                except ValidationError as exc:
                    problems.extend(model_errors(exc))
                else:
                    records.append(record)
            errors.extend(RowError(number, field, message) for field, message in problems)
        if errors:
            raise BatchRejected(errors)
        try:
            with transaction.atomic():
                TrainingRecord.objects.bulk_create(records)
        except IntegrityError as exc:
            raise BatchRejected(
                [RowError(-1, "", _("保存时发现与已有记录冲突（可能同时有其他上传），未保存任何记录，请重新上传。"))]
            ) from exc
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            model=TrainingRecord,
            entries=(
                (r.pk, str(r), {"topic": r.topic, "held_on": str(r.held_on), "person_count": r.person_count})
                for r in records
            ),
            source=source,
        )
    return records


def training_upload(*, actor: Any, year: int, uploaded_file: UploadedFile) -> list[TrainingRecord]:
    """The upload page: read the file (``UploadRejected`` for the file as a whole) and store all rows."""
    require_cb(actor)
    return training_batch_create(actor=actor, year=year, rows=read_upload(uploaded_file), source="upload")


__all__ = [
    "BatchRejected",
    "RowError",
    "training_batch_create",
    "training_upload",
]
