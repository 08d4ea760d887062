"""Pilot screens: registry list, the yearly filing (annex 3 + annex 2 + attachments), review, exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthenticatedHttpRequest
from portal.roles import Role
from portal.scoping import get_visible_or_404
from reporting.jobs import job_create

from . import annex2, annex3
from . import pilot_reports as _pilot_reports  # noqa: F401  (registers the export job handlers)
from .forms import AttachmentForm, ExportForm, PilotReportForm, PilotStatisticsForm, ReviewForm
from .models import DeadlineKind, PilotAttachment, PilotFiling, PilotFilingStatus, PilotRegion, PilotStatistics
from .selectors import default_year, pilot_filing_for, pilot_list
from .services import (
    ATTACHMENT_MAX_BYTES,
    deadline_state,
    pilot_attachment_add,
    pilot_attachment_delete,
    pilot_edit_refusal,
    pilot_filing_problems,
    pilot_filing_review,
    pilot_filing_save,
    pilot_filing_submit,
    pilot_is_reviewer_of,
)

if TYPE_CHECKING:
    pass

STAFF = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})


def _staff_only(request: HttpRequest) -> None:
    user: Any = request.user
    if not (user.is_superuser or user.role in STAFF):
        raise Http404


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default_year()
    return year if 2020 <= year <= 2100 else default_year()


@login_required
def pilot_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    year = _year(request.GET.get("year"))
    pilots = pilot_list(user=request.user, year=year, q=request.GET.get("q", "").strip())
    statuses = dict(PilotFilingStatus.choices)
    return render(request, "programme/pilots/list.html", {
        "year": year, "pilots": pilots, "statuses": statuses, "params": request.GET,
        "export_form": ExportForm(user=request.user, initial={"year": year, "format": "xlsx"}),
    })


def _filing_context(request: HttpRequest, pilot: PilotRegion, year: int, *,
                    stats_form: PilotStatisticsForm | None = None,
                    report_form: PilotReportForm | None = None) -> dict[str, Any]:
    user: Any = request.user
    filing = pilot_filing_for(user=user, pilot=pilot, year=year)
    stats = getattr(filing, "statistics", None) if filing else None
    refusal = pilot_edit_refusal(user=user, pilot=pilot, year=year, filing=filing)
    editable = not refusal
    stats_form = stats_form or PilotStatisticsForm(instance=stats or PilotStatistics(), prefix="a3")
    report_form = report_form or PilotReportForm(instance=filing or PilotFiling(), prefix="a2")
    if not editable:
        for form in (stats_form, report_form):
            for field in form.fields.values():
                field.disabled = True
    org_unit = user.org_unit if user.role == Role.DISTRICT else None
    state = deadline_state(year=year, kind=DeadlineKind.PILOT_REPORT, org_unit=org_unit)
    can_review = filing is not None and filing.status == PilotFilingStatus.SUBMITTED \
        and pilot_is_reviewer_of(user, pilot)
    return {
        "pilot": pilot, "year": year, "filing": filing, "editable": editable,
        "refusal": refusal if user.role == Role.DISTRICT else "",
        "stats_form": stats_form, "report_form": report_form, "deadline": state,
        "attachments": filing.attachments.all() if filing else [],
        "attachment_form": AttachmentForm(), "max_mb": ATTACHMENT_MAX_BYTES // 1024 // 1024,
        "can_review": can_review, "review_form": ReviewForm(),
        "problems": pilot_filing_problems(filing) if filing and editable else [],
        "section_titles": {s.key: s.title for s in annex2.OUTLINE},
        "years": range(pilot.start_year, (pilot.end_year or default_year()) + 1),
    }


def _form_errors(exc: ValidationError, *forms: Any) -> None:
    """Attach a service's ValidationError to the forms (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for form in forms:
                if field in form.fields:
                    form.add_error(field, errors)
                    break
            else:
                forms[0].add_error(None, errors)
    else:
        forms[0].add_error(None, exc.messages)


@login_required
def pilot_filing_view(request: AuthenticatedHttpRequest, pk: int, year: int) -> HttpResponse:
    _staff_only(request)
    pilot = get_visible_or_404(PilotRegion.objects.select_related("province"), request.user, pk=pk)
    if not pilot.is_active_in(year):
        raise Http404
    if request.method != "POST":
        return render(request, "programme/pilots/filing.html", _filing_context(request, pilot, year))
    filing = pilot_filing_for(user=request.user, pilot=pilot, year=year)
    stats = getattr(filing, "statistics", None) if filing else None
    stats_form = PilotStatisticsForm(request.POST, instance=stats or PilotStatistics(), prefix="a3")
    report_form = PilotReportForm(request.POST, instance=filing or PilotFiling(), prefix="a2")
    # The forms only validate (model rules and constraints on their own fields); the service writes.
    valid = stats_form.is_valid() & report_form.is_valid()
    if valid:
        try:
            filing = pilot_filing_save(
                actor=request.user, pilot=pilot, year=year,
                statistics={k: stats_form.cleaned_data[k] for k in annex3.all_fields()},
                sections={k: report_form.cleaned_data[k] for k in annex2.leaf_keys()},
            )
            if request.POST.get("action") == "submit":
                pilot_filing_submit(actor=request.user, filing=filing)
                messages.success(request, _("已提交统计表（附件3）和自评报告（附件2），等待省局审核。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("programme:pilot_filing", pk=pilot.pk, year=year)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("无权修改。"))
            return redirect("programme:pilot_filing", pk=pilot.pk, year=year)
        except ValidationError as exc:
            _form_errors(exc, stats_form, report_form)
        except IntegrityError:
            stats_form.add_error(None, _("数据不符合统计表规则，请检查后重新保存。"))
    messages.error(request, _("有需要修改的内容，请查看下方红色提示。"))
    context = _filing_context(request, pilot, year, stats_form=stats_form, report_form=report_form)
    return render(request, "programme/pilots/filing.html", context, status=400)


@login_required
@require_POST
def pilot_review_view(request: AuthenticatedHttpRequest, pk: int, year: int) -> HttpResponse:
    _staff_only(request)
    pilot = get_visible_or_404(PilotRegion.objects.select_related("province"), request.user, pk=pk)
    filing = pilot_filing_for(user=request.user, pilot=pilot, year=year)
    if filing is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论。"))
        return redirect("programme:pilot_filing", pk=pk, year=year)
    try:
        pilot_filing_review(actor=request.user, filing=filing, accept=form.cleaned_data["decision"] == "accept",
                            comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("programme:pilot_filing", pk=pk, year=year)
    messages.success(request, _("审核结果已保存。"))
    return redirect("programme:pilot_filing", pk=pk, year=year)


@login_required
@require_POST
def pilot_attachment_upload(request: AuthenticatedHttpRequest, pk: int, year: int) -> HttpResponse:
    _staff_only(request)
    pilot = get_visible_or_404(PilotRegion.objects.all(), request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择章节和文件。"))
        return redirect("programme:pilot_filing", pk=pk, year=year)
    try:
        filing = pilot_filing_for(user=request.user, pilot=pilot, year=year)
        if filing is None:
            filing = pilot_filing_save(actor=request.user, pilot=pilot, year=year)
        pilot_attachment_add(actor=request.user, filing=filing, section=form.cleaned_data["section"],
                             upload=form.cleaned_data["file"])
        messages.success(request, _("附件已上传。"))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(reverse("programme:pilot_filing", args=[pk, year]) + "#attachments")


@login_required
def pilot_attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    _staff_only(request)
    attachment = get_visible_or_404(PilotAttachment.objects.all(), request.user, pk=pk)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def pilot_attachment_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    attachment = get_visible_or_404(PilotAttachment.objects.select_related("filing__pilot"), request.user, pk=pk)
    filing = attachment.filing
    try:
        pilot_attachment_delete(actor=request.user, attachment=attachment)
        messages.success(request, _("附件已删除。"))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect(reverse("programme:pilot_filing", args=[filing.pilot_id, filing.programme_year_id])
                    + "#attachments")


@login_required
@require_POST
def pilot_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    form = ExportForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("导出参数有误：%(errors)s") % {
            "errors": "；".join(str(e) for errs in form.errors.values() for e in errs)})
        return redirect("programme:pilot_list")
    year, province, fmt = form.cleaned_data["year"], form.cleaned_data["province"], form.cleaned_data["format"]
    user: Any = request.user
    is_hq = user.is_superuser or user.role == Role.HQ
    scope = province.name if province else (_("全国") if is_hq else _("可见范围"))
    if fmt == "xlsx":
        kind, title = "pilot_annex3_xlsx", _("%(year)s年区域试点工作统计表（%(scope)s）")
    else:
        kind, title = "pilot_pdf", _("%(year)s年区域试点统计表及自评报告 PDF（%(scope)s）")
    job = job_create(actor=request.user, kind=kind, title=title % {"year": year, "scope": scope},
                     params={"year": year, "province": province.code if province else ""})
    return redirect("reporting:job_detail", pk=job.pk)


@login_required
def pilot_comparison_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pilot enterprises against all enterprises: questionnaire "effect very obvious" rate and metrics (from the
    source the questionnaire registers, see programme.pilot_comparison)."""
    from .pilot_comparison import QuestionnaireUnavailable, pilot_comparison

    _staff_only(request)
    year = _year(request.GET.get("year"))
    try:
        comparison = pilot_comparison(user=request.user, year=year)
        unavailable = ""
    except QuestionnaireUnavailable as exc:
        comparison, unavailable = None, str(exc)
    return render(request, "programme/pilots/comparison.html",
                  {"year": year, "comparison": comparison, "unavailable": unavailable})
