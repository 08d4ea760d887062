"""The annual report pages: HQ drafts the national report, a provincial bureau its own (for its districts).

The page lists the unit's drafts by year and starts a new one as a job (progress bar on the job's page). A year that
is not a programme year, or a draft of a unit the user may not see, is a 404, as elsewhere; district staff and
anyone else see no such page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthenticatedHttpRequest
from portal.models import User
from portal.scoping import get_visible_or_404
from programme.models import OrgUnit, programme_years_to_date
from reporting.jobs import job_create

from .handlers import ANNUAL_REPORT
from .models import AnnualReport
from .services import scope_for

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _scope_or_404(user: User) -> OrgUnit:
    try:
        return scope_for(user)
    except PermissionDenied as exc:
        raise Http404 from exc


def default_year(years: list[int]) -> int:
    """The year a report is usually drafted for: the last one that has ended, once there is one."""
    return years[-2] if len(years) > 1 else years[-1]


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _scope_or_404(request.user)
    years = programme_years_to_date()
    reports = (AnnualReport.objects.visible_to(request.user).filter(scope_unit=scope)
               .select_related("created_by", "programme_year"))
    context = {
        "scope": scope,
        "years": list(reversed(years)),
        "selected_year": default_year(years) if years else None,
        "reports": reports[:50],
    }
    return render(request, "reporting/annual/index.html", context)


@login_required
@require_POST
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _scope_or_404(request.user)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as exc:
        raise Http404 from exc
    if year not in programme_years_to_date():
        raise Http404
    name = _("全国") if scope.parent_id is None else scope.name
    job = job_create(actor=request.user, kind=ANNUAL_REPORT,
                     title=_("%(year)s年度%(unit)s提升行动工作总结（草稿）") % {"year": year, "unit": name},
                     params={"year": year, "unit": scope.code})
    return redirect("reporting:job_detail", pk=job.pk)


@login_required
def download(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> FileResponse:
    if file_format not in FORMATS:
        raise Http404
    report = get_visible_or_404(AnnualReport.objects.select_related("scope_unit"), request.user, pk=pk)
    file = report.docx if file_format == "docx" else report.pdf
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=report.filename(file_format),
                        content_type=FORMATS[file_format])
