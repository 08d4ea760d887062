"""The targets pages: progress towards the plan's targets (national and a province's own, side by side), the
target form, and the register of industry-chain quality management problems solved with its XLSX export.

Who sees what: HQ every target and every province's progress; a province the national targets and its own; a
district the national targets and its province's (read only). A target or problem the user may not see or edit
is a 404, as elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthenticatedHttpRequest
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.user_messages import user_message
from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel
from reporting.charts import BarRow, bar_chart
from reporting.indicators import indicator
from reporting.xlsx import new_workbook, workbook_bytes, write_table

from . import services
from .forms import ChainProblemForm, TargetForm
from .models import ChainProblem, Counting, Target, province_code_of
from .progress import STATUS_LABELS, goal_of, measure, progress_rows, province_rows

STAFF = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})
EDITORS = frozenset({Role.HQ, Role.PROVINCE})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff_only(user: Any) -> None:
    if not (user.is_superuser or user.role in STAFF):
        raise Http404


def _is_hq(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.HQ)


def _province_for(request: AuthenticatedHttpRequest) -> OrgUnit | None:
    """The province whose targets are shown beside the nation's: HQ picks one (``?province=``), a province is its
    own, a district its province's. Asking for another province than one's own is a 404."""
    user = request.user
    asked = request.GET.get("province", "").strip()
    if _is_hq(user):
        if not asked:
            return None
        return get_visible_or_404(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE), user, code=asked)
    own = province_code_of(user)
    if own is None or (asked and asked != own):
        raise Http404
    return OrgUnit.objects.get(code=own)


@login_required
def progress_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    _staff_only(user)
    province = _province_for(request)
    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    visible = Target.objects.visible_to(user)
    national = list(visible.national().order_by("pk"))
    own = list(visible.filter(org_unit=province).order_by("pk")) if province is not None else []
    today = timezone.localdate()
    rows = progress_rows(national, own, country=country, province=province, today=today)
    editable = set(Target.objects.editable_by(user).values_list("pk", flat=True))
    periods = sorted({(t.first_year, t.last_year) for t in national})
    return render(request, "reporting/targets/progress.html", {
        "rows": rows, "province": province, "today": today, "editable": editable,
        "periods": periods, "can_add": user.role in EDITORS or user.is_superuser,
        "is_own_province": user.role == Role.PROVINCE and province is not None,
        "provinces": OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code") if _is_hq(user) else [],
        "counting_labels": dict(Counting.choices), "status_labels": STATUS_LABELS,
    })


@login_required
def target_provinces(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """HQ: a national target province by province — each one's part by the national rule as a sorted bar chart,
    and its progress towards its own target where it set one."""
    user = request.user
    if not _is_hq(user):
        raise Http404
    target = get_visible_or_404(Target.objects.national(), user, pk=pk)
    today = timezone.localdate()
    provinces = list(OrgUnit.objects.visible_to(user).filter(level=OrgUnitLevel.PROVINCE).order_by("code"))
    own = list(Target.objects.visible_to(user).filter(indicator=target.indicator, org_unit__in=provinces))
    rows = province_rows(target, provinces, own, today=today)
    national = measure([(goal_of(target), OrgUnit.objects.get(code=COUNTRY_CODE))], today=today)[0]
    ind = national.indicator
    chart = None
    if ind is not None and national.applies:
        base = reverse("targets:progress")
        chart = bar_chart(
            [BarRow(unit.name, part.reached, part.reached_text, f"{base}?province={unit.code}")
             for unit, part, _mine in rows],
            title=f"{ind.name} · {_part_note(rows)}", better=ind.better, width=720)
    return render(request, "reporting/targets/provinces.html", {
        "target": target, "national": national, "rows": rows, "chart": chart, "today": today,
        "counting_labels": dict(Counting.choices),
    })


def _part_note(rows: list[Any]) -> str:
    return next((part.reached_note for _unit, part, _mine in rows if part.reached_note), "")


def _target_initial(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """A new target starts from the national target on the same indicator (``?indicator=``), if there is one."""
    key = request.GET.get("indicator", "")
    initial: dict[str, Any] = {"first_year": 2025, "last_year": 2027, "counting": Counting.CUMULATIVE}
    if indicator(key) is None:
        return initial
    initial["indicator"] = key
    national = Target.objects.national().filter(indicator=key).first()
    if national is not None:
        initial.update(first_year=national.first_year, last_year=national.last_year, counting=national.counting)
    return initial


def _attach(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _target_form(request: AuthenticatedHttpRequest, target: Target | None) -> HttpResponse:
    user = request.user
    unit = services.target_unit_for(user)
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                services.target_save(actor=user, target=target, **form.cleaned_data)
            except ValidationError as exc:
                _attach(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                messages.success(request, _("目标已保存。"))
                return redirect("targets:progress")
        status = 400
    else:
        initial = ({f: getattr(target, f) for f in ("indicator", "first_year", "last_year", "value", "counting",
                                                   "note")} if target is not None else _target_initial(request))
        form = TargetForm(initial=initial)
        status = 200
    return render(request, "reporting/targets/target_form.html",
                  {"form": form, "target": target, "unit": unit}, status=status)


@login_required
def target_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.role in EDITORS):
        raise Http404
    return _target_form(request, None)


@login_required
def target_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff_only(request.user)
    target = get_visible_or_404(Target.objects.editable_by(request.user), request.user, pk=pk)
    return _target_form(request, target)


@login_required
@require_POST
def target_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff_only(request.user)
    target = get_visible_or_404(Target.objects.editable_by(request.user), request.user, pk=pk)
    services.target_delete(actor=request.user, target=target)
    messages.success(request, _("目标已删除。"))
    return redirect("targets:progress")


# --------------------------------------------------------------------------- industry-chain problems


def _chain_queryset(request: AuthenticatedHttpRequest) -> tuple[Any, dict[str, Any]]:
    """The problems the user may see, filtered by ``?year=`` and (for HQ) ``?province=``."""
    qs = ChainProblem.objects.visible_to(request.user).select_related("province", "recorded_by")
    params: dict[str, Any] = {"year": "", "province": ""}
    year = request.GET.get("year", "").strip()
    if year.isdigit():
        qs = qs.filter(programme_year_id=int(year))
        params["year"] = int(year)
    code = request.GET.get("province", "").strip()
    if code:
        qs = qs.filter(province__code=code)
        params["province"] = code
    return qs, params


def _provinces_for_chain(user: Any) -> Any:
    if _is_hq(user):
        return OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)
    if user.role == Role.PROVINCE and user.org_unit_id is not None:
        return OrgUnit.objects.filter(pk=user.org_unit_id)
    return OrgUnit.objects.none()


def _save_chain(request: AuthenticatedHttpRequest, form: ChainProblemForm, problem: ChainProblem | None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.chain_problem_save(actor=request.user, province=data["province"], year=data["year"],
                                    industry_chain=data["industry_chain"], title=data["title"],
                                    measures=data["measures"], solved_on=data["solved_on"], problem=problem)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "programme_year" in exc.error_dict:
            exc.error_dict["year"] = exc.error_dict.pop("programme_year")
        _attach(form, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, user_message(exc))
        return False
    return True


@login_required
def chain_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    _staff_only(user)
    can_record = user.is_superuser or user.role in EDITORS
    form = None
    status = 200
    if can_record:
        form = ChainProblemForm(request.POST or None, provinces=_provinces_for_chain(user))
        if request.method == "POST":
            if _save_chain(request, form, None):
                messages.success(request, _("已登记。"))
                return redirect(request.get_full_path())
            status = 400
    elif request.method == "POST":
        raise Http404
    qs, params = _chain_queryset(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    editable = set(ChainProblem.objects.editable_by(user).filter(pk__in=[p.pk for p in page]).values_list(
        "pk", flat=True))
    years = sorted({y for y in ChainProblem.objects.visible_to(user).values_list("programme_year_id", flat=True)},
                   reverse=True)
    return render(request, "reporting/targets/chain_list.html", {
        "page": page, "form": form, "params": params, "editable": editable, "years": years,
        "provinces": OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code") if _is_hq(user) else [],
        "total": qs.count(),
    }, status=status)


@login_required
def chain_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _staff_only(user)
    problem = get_visible_or_404(ChainProblem.objects.editable_by(user).select_related("province"), user, pk=pk)
    initial = {"province": problem.province, "year": problem.programme_year_id,
               "industry_chain": problem.industry_chain, "title": problem.title, "measures": problem.measures,
               "solved_on": problem.solved_on}
    form = ChainProblemForm(request.POST or None, initial=initial, provinces=_provinces_for_chain(user))
    if request.method == "POST":
        if _save_chain(request, form, problem):
            messages.success(request, _("已保存。"))
            return redirect("targets:chain_list")
        return render(request, "reporting/targets/chain_form.html", {"form": form, "problem": problem}, status=400)
    return render(request, "reporting/targets/chain_form.html", {"form": form, "problem": problem})


@login_required
@require_POST
def chain_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _staff_only(user)
    problem = get_visible_or_404(ChainProblem.objects.editable_by(user).select_related("province"), user, pk=pk)
    services.chain_problem_delete(actor=user, problem=problem)
    messages.success(request, _("已删除。"))
    return redirect("targets:chain_list")


CHAIN_HEADERS = [_("年度"), _("省份"), _("产业链"), _("质量管理难题"), _("采取的措施和成效"), _("解决日期"),
                 _("登记人"), _("登记时间")]


@login_required
def chain_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The visible problems (with the list's filters) as XLSX."""
    user = request.user
    _staff_only(user)
    qs, _params = _chain_queryset(request)
    headers = [str(h) for h in CHAIN_HEADERS]
    rows = (
        (p.programme_year_id, p.province.name, p.industry_chain, p.title, p.measures, p.solved_on,
         (p.recorded_by.get_full_name() or p.recorded_by.username) if p.recorded_by else "",
         timezone.localtime(p.recorded_at).strftime("%Y-%m-%d %H:%M"))
        for p in qs.iterator(chunk_size=500)
    )
    wb = new_workbook()
    ws: Any = wb.create_sheet(_("产业链质量管理难题"))
    title = _("梳理解决产业链质量管理难题（%(date)s导出）") % {"date": timezone.localdate().isoformat()}
    write_table(ws, headers, rows, above=[[title]], widths=[8, 14, 18, 36, 60, 12, 16, 18])
    resp = HttpResponse(workbook_bytes(wb), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="chain-problems-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp
