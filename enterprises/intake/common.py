from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from programme.models import CertificationBody, ProgrammeYear
from reporting.jobs import Progress, job_output_table
from reporting.models import Job, JobStatus

if TYPE_CHECKING:
    from portal.models import User


def require_cb(actor: User) -> CertificationBody:
    cb = actor.certification_body if getattr(actor, "role", None) == Role.CB else None
    if cb is None:
        raise PermissionDenied(_("只有认证机构用户可以报送帮扶台账。"))
    return cb


def programme_year_of(year: int) -> ProgrammeYear:
    try:
        return ProgrammeYear.objects.get(pk=year)
    except (ProgrammeYear.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"programme_year": _("没有%(y)s年度的提升行动。") % {"y": year}}) from exc


def close_job(job_id: int | None, status: str) -> None:
    if job_id:
        Job.objects.filter(pk=job_id, status=JobStatus.AWAITING).update(status=status, finished_at=timezone.now())


def year_id(year: int | str) -> int:
    """A year from a query string; one that is not a number matches nothing (year 0 does not exist)."""
    try:
        return int(year)
    except (TypeError, ValueError):
        return 0


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def labels(codes: str, choices: Any) -> str:
    names = dict(choices.choices)
    return "、".join(str(names.get(c, c)) for c in codes.split(",") if c)


def write_export(
    job: Job, title: str, headers: list[str], rows: Iterable[list[Any]], total: int, progress: Progress
) -> dict[str, Any]:
    count = job_output_table(job, progress, filename=f"{title}-{timezone.localtime():%Y%m%d%H%M}.xlsx",
                             sheet=title, headers=headers, rows=rows, total=total, every=5000)
    return {"rows": count}


def year_choices() -> list[tuple[int, str]]:
    years = ProgrammeYear.objects.order_by("-year").values_list("year", flat=True)
    return [(y, _("%(year)s年度") % {"year": y}) for y in years]


def cb_only(request: HttpRequest) -> None:
    """Pages only a CB user has: anyone else gets a 404."""
    if request.user.role != Role.CB:  # type: ignore[union-attr]
        raise Http404
