from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from portal.audit import audit_history, audit_record
from portal.listing import Counted, paginate
from portal.net import client_ip
from portal.models import AuditAction
from portal.roles import Role
from portal.scoping import get_visible_or_404
from programme.models import OrgUnit
from reporting.jobs import job_create
from reporting.xlsx import workbook_bytes, write_table

from . import selectors, services
from .forms import ActivationForm, QuestionnaireForm, ReopenForm
from .models import Measure, QuestionnaireVersion, Response

STAFF = {Role.HQ, Role.PROVINCE, Role.DISTRICT}
ISSUERS = {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB}

METRIC_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("metric:")}
SATISFACTION_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("satisfaction:")}
RESULT_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("result:")}
POINT_METRICS = {"defect_rate", "complaint_rate"}


def _role(user: Any) -> str:
    return str(Role.HQ) if user.is_superuser and not user.role else str(user.role)


def _require(user: Any, roles: set[Role]) -> None:
    if _role(user) not in {str(r) for r in roles}:
        raise PermissionDenied(_("您没有访问该页面的权限。"))


def _version(year: int) -> QuestionnaireVersion:
    return get_object_or_404(QuestionnaireVersion, programme_year_id=year)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    version = selectors.latest_version()
    if version is None:
        return render(request, "questionnaire/none.html")
    if _role(request.user) == Role.ENTERPRISE:
        return redirect("questionnaire:fill", year=version.year)
    if _role(request.user) == Role.CB:
        return redirect("questionnaire:codes")
    return redirect("questionnaire:progress", year=version.year)


# --------------------------------------------------------------------------- enterprise


def activate(request: HttpRequest) -> HttpResponse:
    """Public: an enterprise opens its account with USCC + activation code and sets a password."""
    if request.user.is_authenticated:
        return redirect("questionnaire:home")
    form = ActivationForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.enterprise_activate(
                uscc=data["uscc"], code=data["code"], password=data["password1"], ip=client_ip(request),
                email=data.get("email", ""), full_name=data.get("full_name", ""),
            )
        except services.ActivationThrottled as exc:
            throttled = True
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else ("password1" if field == "password" else None)
                for error in errors:
                    form.add_error(target, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("账户已开通。今后请使用统一社会信用代码和您设置的密码登录。"))
            return redirect("questionnaire:home")
    return render(request, "questionnaire/activate.html", {"form": form}, status=429 if throttled else 200)


@login_required
def fill(request: HttpRequest, year: int) -> HttpResponse:
    _require(request.user, {Role.ENTERPRISE})
    version = _version(year)
    enterprise: Any = request.user.enterprise  # type: ignore[union-attr]
    response = selectors.response_for_enterprise(user=request.user, year=year)
    state = services.response_edit_state(version=version, enterprise=enterprise, response=response)
    answers = response.answers if response else {}
    warnings: dict[str, str] = {}
    confirmed = set(response.confirmed_warnings) if response else set()
    if request.method == "POST":
        if not state.editable:
            messages.error(request, state.reason)
            return redirect("questionnaire:fill", year=year)
        form = QuestionnaireForm(request.POST, version=version)
        submit = "submit" in request.POST
        confirmed = {k[len("confirm_"):] for k in request.POST if k.startswith("confirm_")}
        if form.is_valid():
            try:
                services.response_save(actor=request.user, version=version, answers=form.answers(),  # type: ignore[arg-type]
                                       submit=submit, confirmed=confirmed)
            except services.NeedsConfirmation as exc:
                warnings = exc.warnings
                messages.warning(request, _("部分数据变化幅度较大，请核对并勾选确认后再提交。"))
                # Keep what was typed: save it as a draft so nothing is lost.
                services.response_save(actor=request.user, version=version, answers=form.answers(),  # type: ignore[arg-type]
                                       submit=False, confirmed=confirmed)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect("questionnaire:fill", year=year)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                messages.error(request, _("有 %(n)s 处需要修改，请查看标红的提示。") % {"n": len(exc.message_dict)})
            else:
                if submit:
                    messages.success(request, _("问卷已提交，感谢您的配合！"))
                else:
                    messages.success(request, _("草稿已保存，您可以稍后继续填写。"))
                return redirect("questionnaire:fill", year=year)
        else:
            # Report range problems of the fields that did parse too, so everything shows at once.
            check = services.answers_check(questions=form.questions, answers=form.answers(), submit=False)
            for field, error in check.errors.items():
                if field in form.fields and field not in form.errors:
                    form.add_error(field, error)
            messages.error(request, _("有 %(n)s 处需要修改，请查看标红的提示。") % {"n": len(form.errors)})
    else:
        form = QuestionnaireForm(version=version, disabled=not state.editable,
                                 initial=QuestionnaireForm.initial_from(list(version.questions.all()), answers))
        if response is not None and state.editable:
            warnings = services.answers_check(questions=form.questions, answers=answers, submit=False).warnings
    reminders = selectors.reminders_for(user=request.user, year=year)[:3]
    return render(request, "questionnaire/fill.html", {
        "version": version, "form": form, "response": response, "state": state, "warnings": warnings,
        "confirmed": confirmed, "reminders": reminders, "enterprise": enterprise,
    })


# --------------------------------------------------------------------------- staff: codes


@login_required
def codes(request: HttpRequest) -> HttpResponse:
    """Issue activation codes in bulk; the codes come back once, as an XLSX download."""
    _require(request.user, ISSUERS)
    params = request.GET
    show_all = params.get("all") == "1"
    qs = selectors.code_candidates(user=request.user, q=params.get("q", "").strip(), only_without_account=not show_all)
    if request.method == "POST":
        ids: list[Any] = request.POST.getlist("enterprise")
        if request.POST.get("scope") == "all":
            pending = qs.filter(has_account=False)  # type: ignore[misc]
            ids = list(pending.values_list("pk", flat=True)[: services.ACTIVATION_MAX_BATCH])
        try:
            issued = services.activation_codes_issue(actor=request.user, enterprise_ids=ids,  # type: ignore[arg-type]
                                                     valid_days=int(request.POST.get("valid_days") or 30))
        except (ValidationError, ValueError) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else _("有效天数应为整数。")
            messages.error(request, text)
            return redirect(request.get_full_path())
        wb = Workbook()
        ws: Any = wb.active
        ws.title = "激活码"
        write_table(ws, ["统一社会信用代码", "企业名称", "所在区县", "激活码", "有效期至", "激活地址"], [
            (e.uscc, e.name, e.district.full_name, code, timezone.localtime(expires).strftime("%Y-%m-%d %H:%M"),
             request.build_absolute_uri(reverse("questionnaire:activate")))
            for e, code, expires in issued
        ], widths=[22, 36, 22, 18, 18, 40])
        resp = HttpResponse(workbook_bytes(wb),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="activation-codes-{timezone.localdate():%Y%m%d}.xlsx"'
        return resp
    return render(request, "questionnaire/codes.html", {**paginate(request, qs), "params": params,
                                                        "show_all": show_all})


# --------------------------------------------------------------------------- staff: progress


@login_required
def progress(request: HttpRequest, year: int) -> HttpResponse:
    _require(request.user, STAFF)
    version = _version(year)
    params = request.GET
    status = params.get("status", "")
    q = params.get("q", "").strip()
    qs = selectors.progress_list(user=request.user, year=year, status=status, q=q)
    own, _children = selectors.aggregate_units_for(user=request.user)
    timed = selectors.response_counts_figures(year=year, unit=own) if own else None
    figures = timed.value if timed is not None else None
    # Unfiltered, the list is the scope's assisted enterprises: their number is on the tiles already (the
    # pagination then says when it was counted).
    listing: Any = qs
    count_as_of = None
    if timed is not None and not status and not q:
        listing, count_as_of = Counted(qs, timed.value.assisted), timed.as_of
    return render(request, "questionnaire/progress.html", {
        **paginate(request, listing), "params": params, "version": version, "year": year, "unit": own,
        "count_as_of": count_as_of,
        "figures": figures, "figures_as_of": timed.as_of if timed is not None else None,
        "years": QuestionnaireVersion.objects.values_list("programme_year", flat=True),
    })


@login_required
@require_POST
def remind(request: HttpRequest, year: int) -> HttpResponse:
    _require(request.user, STAFF)
    _version(year)
    ids: list[Any] = request.POST.getlist("enterprise")
    if request.POST.get("scope") == "all":
        ids = list(selectors.progress_list(user=request.user, year=year, status="pending")
                   .values_list("pk", flat=True)[:5000])
    try:
        count = services.reminders_send(actor=request.user, year=year, enterprise_ids=ids)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已向 %(n)s 家企业发送填报提醒。") % {"n": count})
    return HttpResponseRedirect(reverse("questionnaire:progress", args=[year]) + "?status=pending")


@login_required
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, STAFF)
    response = get_visible_or_404(Response.objects.select_related("enterprise__district", "version"),
                                  request.user, pk=pk)
    form = QuestionnaireForm(version=response.version, disabled=True,
                             initial=QuestionnaireForm.initial_from(list(response.version.questions.all()),
                                                                    response.answers))
    reopen_form = ReopenForm(request.POST or None)
    if request.method == "POST" and reopen_form.is_valid():
        try:
            services.response_reopen(actor=request.user, response=response,  # type: ignore[arg-type]
                                     reason=reopen_form.cleaned_data["reason"],
                                     days=reopen_form.cleaned_data["days"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已重新开放，企业可在期限内修改并重新提交。"))
            return redirect("questionnaire:response_detail", pk=pk)
    return render(request, "questionnaire/response_detail.html", {
        "response": response, "form": form, "reopen_form": reopen_form,
        "history": audit_history(obj=response)[:30],
    })


# --------------------------------------------------------------------------- staff: aggregates and export


def _rows_for(figures: Any) -> dict[str, list[dict[str, Any]]]:
    def bar(label: Any, value: float | None, suffix: str = "%", signed: bool = False) -> dict[str, Any]:
        return {"label": label, "value": value, "suffix": suffix, "signed": signed,
                "width": 0 if value is None else max(0.0, min(100.0, abs(value)))}

    return {
        "metrics": [bar(METRIC_LABELS[k], v, _("个百分点") if k in POINT_METRICS else "%", True)
                    for k, v in figures.metric_changes.items()],
        "satisfaction": [bar(SATISFACTION_LABELS[k], v) for k, v in figures.satisfaction_rates.items()],
        "results": [bar(RESULT_LABELS[k], v) for k, v in figures.result_indicators.items()],
        "overall": [
            bar(_("回收率"), figures.response_rate),
            bar(_("效果明显（明显+非常明显）"), figures.effect_obvious_rate),
            bar(_("效果非常明显"), figures.effect_very_obvious_rate),
            bar(_("成熟度提升≥1级"), figures.maturity_rose_rate),
            bar(_("认为明显增加人员或时间成本"), figures.burden_rate),
        ],
    }


@login_required
def aggregates(request: HttpRequest, year: int) -> HttpResponse:
    _require(request.user, STAFF)
    version = _version(year)
    own, children = selectors.aggregate_units_for(user=request.user)
    if own is None:
        raise Http404
    unit_code = request.GET.get("unit", "").strip()
    focus = own
    if unit_code and unit_code != own.code:
        focus = get_visible_or_404(OrgUnit.objects.all(), request.user, code=unit_code)
    timed = selectors.aggregates_by_unit_figures(year=year, units=[focus, *children])
    figures_map = timed.value
    figures = figures_map[focus.code]
    table = [{"unit": u, "f": figures_map[u.code]} for u in children]
    return render(request, "questionnaire/aggregates.html", {
        "version": version, "year": year, "unit": focus, "own": own, "figures": figures,
        "figures_as_of": timed.as_of, "rows": _rows_for(figures), "table": table,
        "cap_low": selectors.CHANGE_CAP_LOW, "cap_high": selectors.CHANGE_CAP_HIGH,
    })


@login_required
@require_POST
def export(request: HttpRequest, year: int) -> HttpResponse:
    """Queue the XLSX export of the responses in the user's scope (a job with a progress bar)."""
    _require(request.user, STAFF)
    _version(year)
    job = job_create(actor=request.user, kind="questionnaire_export",
                     title=_("%(year)s年度企业调查问卷答卷导出") % {"year": year}, params={"year": year})
    audit_record(actor=request.user, action=AuditAction.EXPORT, obj=job, source="web", changes={"year": year})
    return redirect("reporting:job_detail", pk=job.pk)
