from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditAction
from programme.models import CertificationBody, DeadlineKind, ProgrammeYear
from programme.services import deadline_state

from ..intake import cells
from ..intake.common import require_cb
from ..models import (
    TrainingRecord,
)


def ensure_training_open(*, year: int, certification_body: CertificationBody) -> None:
    state = deadline_state(year=year, kind=DeadlineKind.TRAINING, certification_body=certification_body)
    if not state.is_open:
        due = timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""
        raise PermissionDenied(
            _("%(year)d年度培训台账已于%(due)s截止报送，不能再新增。如需补报，请联系省局批准延期。")
            % {"year": year, "due": due}
        )


def training_date_problem(held_on: Any, year: int) -> str | None:
    """The message when a training date lies outside its programme year (the cell rule of every path)."""
    try:
        cells.date(held_on, str(TrainingRecord._meta.get_field("held_on").verbose_name), year=year)
    except cells.CellProblem as problem:
        return problem.message
    return None


def training_record_create(*, actor: Any, source: str = "web", **fields: Any) -> TrainingRecord:
    cb = require_cb(actor)
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
