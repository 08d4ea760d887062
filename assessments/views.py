"""Pages of the annex-1 evaluation. Every object is fetched through ``visible_to``; not yours = 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthenticatedHttpRequest
from portal.models import User
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.services import role_of
from programme.models import ProgrammeYear
from reporting.jobs import job_create
from reporting.models import Job

from . import reports, selectors, services
from .fanout import NATIONAL_PACK
from .forms import CaseForm, CourseForm, EvidenceForm, ReviewForm, ScoreForm, SelfAssessmentForm, WeightsForm
from .handlers import EVALUATION_RUN, SUMMARY
from .models import (
    FIGURE_FIELDS,
    Evaluation,
    Evidence,
    ExcellentCase,
    ExpertAssignment,
    IndicatorItem,
    Method,
    Narrative,
    Report,
    SelfAssessment,
    TrainingCourse,
)
from .selectors import (
    can_manage_evaluation,
    evaluation_list,
    evaluation_results,
    expert_assignments,
    expert_scores_for,
    report_list,
    scheme_items,
    self_assessment_list,
    training_course_coverage,
)


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("没有权限。")


def current_year() -> int:
    today = timezone.localdate()
    year = ProgrammeYear.objects.filter(year__lte=today.year).order_by("-year").values_list("year", flat=True).first()
    return year or today.year


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or current_year())
    except ValueError as exc:
        raise Http404 from exc


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.EXPERT:
        return redirect("assessments:expert_home")
    if user.role not in (Role.HQ, Role.PROVINCE, Role.DISTRICT) and not user.is_superuser:
        raise Http404
    year = _year(request)
    context: dict[str, Any] = {"year": year, "years": ProgrammeYear.objects.order_by("-year")[:6]}
    context["evaluations"] = evaluation_list(user=user)
    context["self_assessments"] = self_assessment_list(user=user, year=year).exclude(unit_id=user.org_unit_id)
    context["can_evaluate"] = user.is_superuser or user.role in (Role.HQ, Role.PROVINCE)
    context["own_unit_assesses"] = user.role in (Role.PROVINCE, Role.DISTRICT)
    context["summary_reports"] = report_list(user=user, kind="summary")[:10]
    return render(request, "assessments/index.html", context)


# --- Scheme --------------------------------------------------------------------------------------------


@login_required
def scheme_detail(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    user = request.user
    if user.role not in (Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.EXPERT) and not user.is_superuser:
        raise Http404
    _programme_year_or_404(year)
    scheme = services.scheme_ensure(actor=user, year=year)
    items = scheme_items(scheme=scheme)
    is_hq = user.is_superuser or user.role == Role.HQ
    form = WeightsForm(request.POST or None, items=items) if is_hq else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.scheme_set_weights(actor=user, scheme=scheme, weights=form.weights(), scales=form.scales())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("指标权重已保存。"))
                return redirect("assessments:scheme", year=year)
    total = sum(i.weight for i in items)
    return render(request, "assessments/scheme.html",
                  {"scheme": scheme, "items": items, "form": form, "total": total, "year": year})


def _programme_year_or_404(year: int) -> ProgrammeYear:
    """Programme years are reference data (not tenant-owned): an unknown year is a 404."""
    programme_year = ProgrammeYear.objects.filter(pk=year).first()
    if programme_year is None:
        raise Http404
    return programme_year


# --- Self-assessment -----------------------------------------------------------------------------------


@login_required
def self_assessment_mine(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    user = request.user
    if user.role not in (Role.PROVINCE, Role.DISTRICT) or user.org_unit is None:
        raise Http404
    _programme_year_or_404(year)
    sa = services.self_assessment_get_or_create(actor=user, year=year, unit=user.org_unit)
    items = scheme_items(scheme=sa.programme_year.indicator_scheme)
    narratives = dict(Narrative.objects.filter(self_assessment=sa).values_list("item_id", "text"))
    form = SelfAssessmentForm(request.POST or None, instance=sa, items=items, narratives=narratives)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_assessment_save(actor=user, self_assessment=sa, figures=form.figures(),
                                          narratives=form.narratives(), summary=form.cleaned_data["summary"])
            if request.POST.get("action") == "submit":
                services.self_assessment_submit(actor=user, self_assessment=sa)
                messages.success(request, _("自评材料已提交，等待上级审核。"))
            else:
                messages.success(request, _("已保存草稿。"))
            return redirect("assessments:self_mine", year=year)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
    coverage = training_course_coverage(user=user, year=year, unit=user.org_unit)
    cases = ExcellentCase.objects.visible_to(user).filter(programme_year_id=year)
    return render(request, "assessments/self_edit.html", {
        "sa": sa, "form": form, "year": year, "coverage": coverage, "cases": cases,
        "evidence": sa.evidence.select_related("item"),
        "evidence_form": EvidenceForm(items=IndicatorItem.objects.filter(scheme__programme_year_id=year)),
    })


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    user = request.user
    sa = get_visible_or_404(SelfAssessment.objects.all(), user, programme_year_id=year, unit_id=user.org_unit_id)
    form = EvidenceForm(request.POST, request.FILES,
                        items=IndicatorItem.objects.filter(scheme__programme_year_id=year))
    if form.is_valid():
        try:
            services.evidence_upload(actor=user, self_assessment=sa, upload=form.cleaned_data["file"],
                                     item=form.cleaned_data["item"])
            messages.success(request, _("佐证材料已上传。"))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("请选择要上传的文件。"))
    return redirect("assessments:self_mine", year=year)


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    evidence = get_visible_or_404(Evidence.objects.all(), request.user, pk=pk)
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def self_assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sa = get_visible_or_404(SelfAssessment.objects.select_related("unit", "reviewed_by"), user, pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_assessment_review(actor=user, self_assessment=sa,
                                            accept=form.cleaned_data["decision"] == "accept",
                                            comment=form.cleaned_data["comment"])
            messages.success(request, _("审核结果已保存。"))
            return redirect("assessments:self_detail", pk=pk)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
    evaluator = services.parent_evaluator_of(sa.unit)
    can_review = evaluator is not None and (
        (user.role == Role.HQ and evaluator.code == "000000") or user.org_unit_id == evaluator.pk)
    figures = [(label, getattr(sa, name), unit) for name, label, unit in FIGURE_FIELDS]
    return render(request, "assessments/self_detail.html", {
        "sa": sa, "figures": figures, "form": form, "can_review": can_review and sa.status == "submitted",
        "narratives": Narrative.objects.filter(self_assessment=sa).select_related("item", "item__area")
        .order_by("item__order"),
        "evidence": Evidence.objects.visible_to(user).filter(self_assessment=sa),
    })


# --- Cases and courses ---------------------------------------------------------------------------------


MISSING_SHOWN = 200


@login_required
def cases(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    user = request.user
    if user.role not in (Role.HQ, Role.PROVINCE, Role.DISTRICT) and not user.is_superuser:
        raise Http404
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.excellent_case_add(actor=user, year=year, district=user.org_unit,
                                        title=form.cleaned_data["title"], summary=form.cleaned_data["summary"])
            messages.success(request, _("优良案例已推荐。"))
            return redirect("assessments:cases", year=year)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
    qs = ExcellentCase.objects.visible_to(user).filter(programme_year_id=year).select_related("district")
    if request.GET.get("recommended") == "1":
        qs = qs.filter(recommended_at__isnull=False)
    missing = selectors.districts_without_cases(user=user, year=year)
    return render(request, "assessments/cases.html", {
        "cases": qs, "form": form, "year": year, "can_add": user.role == Role.DISTRICT,
        "can_recommend": user.role == Role.PROVINCE, "only_recommended": request.GET.get("recommended") == "1",
        "missing_count": missing.count(), "missing": missing[:MISSING_SHOWN], "missing_shown": MISSING_SHOWN,
    })


@login_required
@require_POST
def case_recommend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_visible_or_404(ExcellentCase.objects.select_related("district"), user, pk=pk)
    recommend = request.POST.get("recommend") != "0"
    try:
        services.excellent_case_recommend(actor=user, case=case, recommend=recommend)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已推荐至总局。") if recommend else _("已撤回推荐。"))
    return redirect("assessments:cases", year=case.programme_year_id)


@login_required
def courses(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    user = request.user
    if user.role not in (Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB) and not user.is_superuser:
        raise Http404
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_course_submit(actor=user, year=year, title=form.cleaned_data["title"],
                                            summary=form.cleaned_data["summary"])
            messages.success(request, _("培训课程已报送。"))
            return redirect("assessments:courses", year=year)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
    qs = TrainingCourse.objects.visible_to(user).filter(programme_year_id=year).select_related("certification_body")
    return render(request, "assessments/courses.html", {"courses": qs, "form": form, "year": year,
                                                        "can_add": user.role == Role.CB})


# --- Evaluations ---------------------------------------------------------------------------------------


@login_required
@require_POST
def evaluation_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    if user.org_unit is None or user.role not in (Role.HQ, Role.PROVINCE):
        raise Http404
    _programme_year_or_404(year)
    try:
        evaluation = services.evaluation_ensure(actor=user, year=year, evaluator=user.org_unit)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return redirect("assessments:index")
    return redirect("assessments:evaluation", pk=evaluation.pk)


@login_required
def evaluation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = get_visible_or_404(Evaluation.objects.select_related("evaluator"), user, pk=pk)
    if user.role == Role.EXPERT:
        return redirect("assessments:expert_home")
    manage = can_manage_evaluation(user, evaluation)
    results = list(evaluation_results(user=user, evaluation=evaluation))
    context: dict[str, Any] = {"evaluation": evaluation, "manage": manage, "results": results}
    if manage and results:
        sheet = reports.score_sheet_data(evaluation=evaluation)
        context.update(reports.score_sheet_context(sheet))
    if manage:
        context["assignments"] = (ExpertAssignment.objects.visible_to(user).filter(evaluation=evaluation)
                                  .select_related("expert", "unit").annotate(n_scores=Count("scores")))
        context["experts"] = User.objects.filter(role=Role.EXPERT, is_active=True).select_related("org_unit")
        context["units"] = evaluation.evaluated_units()
        context["reports"] = report_list(user=user, evaluation=evaluation)[:10]
        job_id = request.GET.get("job")
        if job_id and job_id.isdigit():
            context["job"] = Job.objects.visible_to(user).filter(pk=int(job_id), kind=EVALUATION_RUN).first()
            context["job_files"] = Report.objects.visible_to(user).filter(job=context["job"]).order_by("file_format")
    return render(request, "assessments/evaluation.html", context)


def _managed_evaluation(request: AuthenticatedHttpRequest, pk: int) -> Evaluation:
    evaluation = get_visible_or_404(Evaluation.objects.select_related("evaluator"), request.user, pk=pk)
    if not can_manage_evaluation(request.user, evaluation):
        raise Http404
    return evaluation


@login_required
@require_POST
def evaluation_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = _managed_evaluation(request, pk)
    job = job_create(actor=request.user, kind=EVALUATION_RUN,
                     title=_("%(e)s：计算得分并生成报告") % {"e": evaluation},
                     params={"evaluation_id": evaluation.pk})
    return redirect(reverse("assessments:evaluation", kwargs={"pk": pk}) + f"?job={job.pk}#run")


@login_required
def run_status(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = get_visible_or_404(Job.objects.all(), request.user, pk=job_id)
    if job.kind not in (EVALUATION_RUN, SUMMARY):
        raise Http404
    files = Report.objects.visible_to(request.user).filter(job=job).order_by("file_format")
    return render(request, "assessments/_run_status.html", {"job": job, "files": files})


@login_required
@require_POST
def evaluation_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = _managed_evaluation(request, pk)
    try:
        services.evaluation_publish(actor=request.user, evaluation=evaluation)
        messages.success(request, _("评估结果已发布，被评估单位现在可以看到本单位的得分和排名。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    return redirect("assessments:evaluation", pk=pk)


@login_required
@require_POST
def expert_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = _managed_evaluation(request, pk)
    expert = User.objects.filter(pk=request.POST.get("expert") or 0, role=Role.EXPERT).first()
    unit = evaluation.evaluated_units().filter(code=request.POST.get("unit", "")).first()
    if expert is None or unit is None:
        messages.error(request, _("请选择专家和评估对象。"))
    else:
        try:
            services.expert_assign(actor=request.user, evaluation=evaluation, expert=expert, unit=unit)
            messages.success(request, _("已将“%(unit)s”分配给专家“%(name)s”。")
                             % {"unit": unit.name, "name": expert.get_full_name() or expert.username})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
    return redirect("assessments:evaluation", pk=pk)


@login_required
@require_POST
def national_pack_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """HQ: every provincial unit's summary plus the national files in one ZIP, fanned out over the workers."""
    user = request.user
    year = _year(request)
    if role_of(user) != Role.HQ:
        raise Http404
    _programme_year_or_404(year)
    job = job_create(actor=user, kind=NATIONAL_PACK, title=_("%(year)s年全国报告包（各省级单位）") % {"year": year},
                     params={"year": year})
    return redirect("reporting:job_detail", pk=job.pk)


@login_required
@require_POST
def summary_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    if user.org_unit is None or user.role not in (Role.HQ, Role.PROVINCE):
        raise Http404
    _programme_year_or_404(year)
    job = job_create(actor=user, kind=SUMMARY, title=_("%(year)s年%(unit)s工作情况汇总")
                     % {"year": year, "unit": user.org_unit.name}, params={"year": year, "unit": user.org_unit.code})
    return redirect("reporting:job_detail", pk=job.pk)


@login_required
def report_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    report = get_visible_or_404(Report.objects.all(), request.user, pk=pk)
    if not report.file:
        raise Http404
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename)


# --- Experts -------------------------------------------------------------------------------------------


@login_required
def expert_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.EXPERT:
        raise Http404
    assignments = expert_assignments(user=user).annotate(n_scores=Count("scores"))
    return render(request, "assessments/expert_home.html", {"assignments": assignments})


@login_required
def expert_score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assignment = get_visible_or_404(
        ExpertAssignment.objects.select_related("unit", "evaluation", "evaluation__evaluator"), user, pk=pk)
    if assignment.expert_id != user.pk:
        raise Http404
    evaluation = assignment.evaluation
    items = [i for i in scheme_items(scheme=services.scheme_ensure(actor=user, year=evaluation.programme_year_id))
             if i.method == Method.EXPERT]
    existing = expert_scores_for(user=user, assignment=assignment)
    form = ScoreForm(request.POST or None, items=items, existing=existing)
    if request.method == "POST" and form.is_valid():
        try:
            for item in items:
                services.expert_score_save(actor=user, assignment=assignment, item=item,
                                           score=form.cleaned_data[f"score_{item.pk}"],
                                           comment=form.cleaned_data[f"comment_{item.pk}"])
            messages.success(request, _("评分已保存。"))
            return redirect("assessments:expert_home")
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
    sa = SelfAssessment.objects.visible_to(user).filter(
        programme_year_id=evaluation.programme_year_id, unit=assignment.unit).first()
    return render(request, "assessments/expert_score.html", {
        "assignment": assignment, "form": form, "sa": sa,
        "narratives": Narrative.objects.visible_to(user).filter(self_assessment=sa).select_related("item")
        if sa else [],
        "evidence": Evidence.objects.visible_to(user).filter(self_assessment=sa) if sa else [],
    })
