from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from programme.models import CertificationBody, OrgUnit, OrgUnitLevel

from ..intake import cells
from ..intake.common import programme_year_of, require_cb
from ..intake.mapping import TRAINING, remembered_for
from ..models import TrainingRecord
from .columns import HEADER_OF, MAX_ROWS, OPTIONAL
from .reader import read_upload
from .rules import RESOLVED, model_errors, parse_row, row_rules
from .services import ensure_training_open
from .store import CONTENT_FIELDS, store_records

if TYPE_CHECKING:
    from portal.models import User


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


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class TrainingBatch(list[TrainingRecord]):
    """A stored batch: its records in row order (each created, updated or already stored unchanged; those last
    carry the batch's values and their stored id) and, in ``statuses``, what happened to each."""

    def __init__(self, records: Sequence[TrainingRecord] = (), statuses: Sequence[str] = ()) -> None:
        super().__init__(records)
        self.statuses = list(statuses)
        # For each updated record: (row number, record, {field: [before, after]}).
        self.changes: list[tuple[int, TrainingRecord, dict[str, list[Any]]]] = []

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.statuses.count(status) for status in (CREATED, UPDATED, UNCHANGED)}


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, int | str) else str(value)


def training_batch_create(
    *, actor: User, year: int, rows: Sequence[tuple[int, Mapping[str, Any]]], source: str = "upload"
) -> TrainingBatch:
    """Store every row or none. ``rows`` are (row number, values by field name); raise
    :class:`BatchRejected` with every failure, ``PermissionDenied`` for a non-CB or a locked year.

    Idempotent on the natural key (programme year, CB, date, topic, district): a row already stored with the
    same values is unchanged, one stored with other values (organiser, delivery, counts) updates the stored
    record, so the same batch sent again stores nothing and a corrected batch stores the corrections."""
    cb = require_cb(actor)
    programme_year = programme_year_of(year)
    if not rows:
        raise ValidationError({"records": _("请至少提交一条记录。")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"records": _("每批最多%(n)d条记录，请分批提交。") % {"n": MAX_ROWS}})
    ensure_training_open(year=programme_year.year, certification_body=cb)
    # The districts the rows name, read by the same cell rule as parse_row reads them.
    codes = {cells.code(values.get("district_code")) for _n, values in rows}
    districts = {u.code: u for u in OrgUnit.objects.filter(code__in=codes, level=OrgUnitLevel.DISTRICT)}
    with transaction.atomic():
        # One batch per CB at a time, so the checks below against the stored records still hold when the rows
        # are written. A training-only lock: the CB row itself is locked by ledger merges, which may run for a
        # while.
        _lock_training_batches(cb)
        errors: list[RowError] = []
        batch = TrainingBatch()
        created: list[TrainingRecord] = []
        updated: list[tuple[TrainingRecord, dict[str, Any]]] = []
        seen: dict[tuple[Any, ...], int] = {}
        stored = {
            (held_on, topic, district_id): (pk, dict(zip(CONTENT_FIELDS, content, strict=True)))
            for pk, held_on, topic, district_id, *content in TrainingRecord.objects.filter(
                programme_year=programme_year, certification_body=cb
            ).values_list("pk", "held_on", "topic", "district_id", *CONTENT_FIELDS)
        }
        now = timezone.now()
        for number, values in rows:
            fields, problems = parse_row(values, year=programme_year.year, cb=cb, districts=districts)
            key: tuple[Any, ...] = ()
            if not problems:
                problems = row_rules(fields, year=programme_year.year)
                key = (fields["held_on"], fields["topic"], fields["district"].pk)
                if key in seen:
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
                    # the writes below still enforce them, so a miss can only reject the batch.
                    record.full_clean(exclude=RESOLVED, validate_constraints=False)
                except ValidationError as exc:
                    problems.extend(model_errors(exc))
                else:
                    if key not in stored:
                        created.append(record)
                        batch.append(record)
                        batch.statuses.append(CREATED)
                    else:
                        record.pk, before = stored[key]
                        changed = {
                            name: [_jsonable(before[name]), _jsonable(getattr(record, name))]
                            for name in CONTENT_FIELDS
                            if before[name] != getattr(record, name)
                        }
                        if changed:
                            record.updated_at = now
                            updated.append((record, {"row": number, "fields": changed}))
                            batch.changes.append((number, record, changed))
                        batch.append(record)
                        batch.statuses.append(UPDATED if changed else UNCHANGED)
            errors.extend(RowError(number, field, message) for field, message in problems)
        if errors:
            raise BatchRejected(errors)
        try:
            store_records(actor=actor, source=source, created=created, updated=updated)
        except IntegrityError as exc:
            raise BatchRejected(
                [RowError(-1, "", _("保存时发现与已有记录冲突（可能同时有其他上传），未保存任何记录，请重新上传。"))]
            ) from exc
    return batch


def training_upload(*, actor: User, year: int, uploaded_file: UploadedFile) -> TrainingBatch:
    """The upload page: read the file (``UploadRejected`` for the file as a whole) and store all rows; the
    answer lists every row's record (created, updated or unchanged), ``counts`` says how many of each."""
    cb = require_cb(actor)
    rows = read_upload(uploaded_file, remembered=remembered_for(cb, TRAINING))
    return training_batch_create(actor=actor, year=year, rows=rows, source="upload")


__all__ = [
    "CREATED",
    "UNCHANGED",
    "UPDATED",
    "BatchRejected",
    "RowError",
    "TrainingBatch",
    "training_batch_create",
    "training_upload",
]
