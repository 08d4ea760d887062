from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from programme.models import CertificationBody, DeadlineKind, ProgrammeYear
from programme.services import deadline_state

from ..intake import cells
from ..intake.common import require_cb
from ..models import (
    TrainingRecord,
)
from .columns import FIELDS

if TYPE_CHECKING:
    from portal.models import User


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


def training_record_create(*, actor: User, source: str = "web", **fields: Any) -> TrainingRecord:
    """One record from the web form, through the same pipeline as an upload and the API (the cell rules, the
    year's deadline, the natural key: entering a stored training again updates it). Raise ``ValidationError``
    per form field, ``PermissionDenied`` for a non-CB or a locked year."""
    from .pipeline import BatchRejected, training_batch_create

    require_cb(actor)
    year = fields.get("programme_year")
    year_value = year.pk if isinstance(year, ProgrammeYear) else int(year or 0)
    district = fields.get("district")
    values = {key: fields.get(key) for key in FIELDS if key != "district_code"}
    values["district_code"] = district.code if district is not None else ""
    try:
        batch = training_batch_create(actor=actor, year=year_value, rows=[(1, values)], source=source)
    except BatchRejected as exc:
        by_field: dict[str, list[str]] = {}
        for error in exc.errors:
            name = error.field or NON_FIELD_ERRORS  # the form's fields are the pipeline's columns
            by_field.setdefault(name, []).append(error.message)
        raise ValidationError(by_field) from exc
    return batch[0]
