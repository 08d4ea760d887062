from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, user_logged_in
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit import audit_history, audit_record
from portal.http import AuthenticatedHttpRequest
from portal.listing import Counted, paginate
from portal.models import AuditAction
from portal.net import client_ip
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.user_messages import user_message
from programme.models import OrgUnit
from reporting.jobs import job_create
from reporting.xlsx import new_workbook, workbook_bytes, write_table

from ..models import Enterprise
from . import selectors, services
from .forms import ActivationForm, QuestionnaireForm, ReopenForm
from .models import Measure, QuestionnaireVersion, Response

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User

STAFF = {Role.HQ, Role.PROVINCE, Role.DISTRICT}
ISSUERS = {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB}

METRIC_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("metric:")}
SATISFACTION_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("satisfaction:")}
RESULT_LABELS = {m.value.split(":", 1)[1]: m.label for m in Measure if m.value.startswith("result:")}
POINT_METRICS = {"defect_rate", "complaint_rate"}


def _role(user: User) -> str:
    return str(Role.HQ) if user.is_superuser and not user.role else str(user.role)


def _require(user: User, roles: set[Role]) -> None:
    if _role(user) not in {str(r) for r in roles}:
        raise PermissionDenied(_("您没有访问该页面的权限。"))


def _version(year: int) -> QuestionnaireVersion:
    return get_object_or_404(QuestionnaireVersion, programme_year_id=year)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
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


# Answers typed before a login expired. The fill page carries a signed owner token (user, enterprise,
# year); a POST of that page without a login keeps its answers in the (new, anonymous) session, which
# Django's login keeps, and the owner's fill page restores them after the login. Anyone else who logs in
# on that browser gets nothing, and the answers are dropped.
OWNER_FIELD = "page.owner"  # not a slug, so never a question's field name
OWNER_SALT = "questionnaire.fill-owner"
OWNER_MAX_AGE = 7 * 24 * 60 * 60  # a fill page left open longer than a week keeps no answers
STASH_KEY = "questionnaire_stash"
STASH_MAX_BYTES = 128 * 1024
STASH_MAX_AGE = dt.timedelta(days=1)
# The fill page warns this long (at most a third of the session's lifetime) before the login expires.
SESSION_WARNING_SECONDS = 5 * 60


def _owner_token(*, user: User, enterprise: Enterprise, year: int) -> str:
    return signing.dumps({"u": user.pk, "e": enterprise.pk, "y": year}, salt=OWNER_SALT)


def _page_owner(request: HttpRequest, year: int) -> dict[str, Any] | None:
    """Who the posted fill page was served to, when it says so with a valid token."""
    try:
        owner = signing.loads(request.POST.get(OWNER_FIELD, ""), salt=OWNER_SALT, max_age=OWNER_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(owner, dict) or owner.get("y") != year:
        return None
    return owner


def _stash_answers(request: HttpRequest, year: int, enterprise_id: int | None = None) -> bool:
    """Keep the posted answers of an expired login in the session, for their owner's next login."""
    owner = _page_owner(request, year)
    version = QuestionnaireVersion.objects.filter(programme_year_id=year).first()
    if owner is None or version is None or (enterprise_id is not None and owner.get("e") != enterprise_id):
        return False
    questions = list(version.questions.all())
    names = set(QuestionnaireForm(version=version).fields) | {f"confirm_{q.key}" for q in questions}
    data = {name: str(request.POST[name]) for name in sorted(names) if request.POST.get(name, "") != ""}
    stash = {"owner": owner, "path": request.path, "at": timezone.now().isoformat(),
             "submit": "submit" in request.POST, "data": data}
    if len(json.dumps(stash, ensure_ascii=False).encode()) > STASH_MAX_BYTES:
        return False
    request.session[STASH_KEY] = stash
    return True


def _is_owner(stash: dict[str, Any], user: User | AnonymousUser) -> bool:
    value = stash.get("owner")
    owner: dict[str, Any] = value if isinstance(value, dict) else {}
    return bool(user.pk) and owner.get("u") == user.pk and owner.get("e") == getattr(user, "enterprise_id", None)


def _take_stash(request: HttpRequest, year: int) -> dict[str, Any] | None:
    """The answers kept from the user's own expired login on this year's page (removed from the session)."""
    stash = request.session.get(STASH_KEY)
    if stash is None:
        return None
    if not isinstance(stash, dict) or not _is_owner(stash, request.user):
        request.session.pop(STASH_KEY, None)
        return None
    if stash["owner"].get("y") != year:
        return None  # another year's page: that page restores it
    request.session.pop(STASH_KEY, None)
    try:
        fresh = timezone.now() - dt.datetime.fromisoformat(stash.get("at", "")) <= STASH_MAX_AGE
    except (TypeError, ValueError):
        fresh = False
    return stash if fresh and isinstance(stash.get("data"), dict) else None


@receiver(user_logged_in, dispatch_uid="questionnaire.drop-foreign-stash")
def _drop_foreign_stash(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Answers kept from an expired login are only ever given back to the user who typed them."""
    session = getattr(request, "session", None)
    if session is None or STASH_KEY not in session:
        return
    stash = session[STASH_KEY]
    if not isinstance(stash, dict) or not _is_owner(stash, user):
        session.pop(STASH_KEY, None)


def _confirmed_in(data: Any) -> set[str]:
    return {k[len("confirm_"):] for k in data if k.startswith("confirm_")}


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """The fill page's "stay logged in": any request renews the session (SESSION_SAVE_EVERY_REQUEST)."""
    if not request.user.is_authenticated:
        return JsonResponse({"expired": True}, status=401)
    return JsonResponse({"expires_in": request.session.get_expiry_age()})


@require_POST
def autosave(request: HttpRequest, year: int, enterprise_id: int) -> HttpResponse:
    """htmx: the fill page posts its answers while the enterprise types; the draft is saved (never
    submitted) and a small "已保存 HH:MM" comes back. 401 JSON when the login has expired (the answers are
    kept for the next login), 409 with the reason when the questionnaire may not be changed."""
    if not request.user.is_authenticated:
        stashed = _stash_answers(request, year, enterprise_id)
        login_url = redirect_to_login(reverse("questionnaire:fill", args=[year]))["Location"]
        return JsonResponse({"expired": True, "stashed": stashed, "login_url": login_url}, status=401)
    _require(request.user, {Role.ENTERPRISE})
    version = _version(year)
    # The page names its enterprise: a page left open while another enterprise logged in saves nothing.
    get_visible_or_404(Enterprise.objects.all(), request.user, pk=enterprise_id)
    form = QuestionnaireForm(request.POST, version=version)
    form.is_valid()  # every field is optional: what does not parse keeps its saved value
    try:
        saved = services.response_autosave(actor=request.user, version=version,  # type: ignore[arg-type]
                                           answers=form.answers(), unparsed=set(form.errors),
                                           confirmed=_confirmed_in(request.POST))
    except PermissionDenied as exc:
        return render(request, "questionnaire/_autosave_status.html", {"refused": str(exc)}, status=409)
    return render(request, "questionnaire/_autosave_status.html",
                  {"saved_at": saved.saved_at, "kept": len(saved.kept)})


def fill(request: HttpRequest, year: int) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.method == "POST":
            if _stash_answers(request, year):
                messages.warning(request, _("登录已过期。您填写的答案已暂存，重新登录后将自动恢复。"))
            return redirect_to_login(reverse("questionnaire:fill", args=[year]))
        return redirect_to_login(request.get_full_path())
    _require(request.user, {Role.ENTERPRISE})
    version = _version(year)
    enterprise: Any = request.user.enterprise  # type: ignore[union-attr]
    response = selectors.response_for_enterprise(user=request.user, year=year)
    state = services.response_edit_state(version=version, enterprise=enterprise, response=response)
    answers = response.answers if response else {}
    warnings: dict[str, str] = {}
    confirmed = set(response.confirmed_warnings) if response else set()
    stash = _take_stash(request, year) if request.method == "GET" else None
    if request.method == "POST":
        owner = _page_owner(request, year)
        if owner is not None and owner.get("e") != enterprise.pk:
            messages.error(request, _("该页面是为其他企业账户打开的，答案未保存。请在本页重新填写。"))
            return redirect("questionnaire:fill", year=year)
        if not state.editable:
            messages.error(request, state.reason)
            return redirect("questionnaire:fill", year=year)
        form = QuestionnaireForm(request.POST, version=version)
        submit = "submit" in request.POST
        confirmed = _confirmed_in(request.POST)
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
    elif stash is not None and state.editable:
        # Answers typed before the login expired: back into the form, and kept as the draft.
        form = QuestionnaireForm(stash["data"], version=version)
        form.is_valid()
        confirmed = _confirmed_in(stash["data"])
        saved = services.response_autosave(actor=request.user, version=version,  # type: ignore[arg-type]
                                           answers=form.answers(), unparsed=set(form.errors),
                                           confirmed=confirmed, source="web", coalesce=False)
        response = saved.response
        warnings = services.answers_check(questions=form.questions, answers=response.answers, submit=False).warnings
        messages.info(request, _("您在登录过期前填写的答案已恢复，请检查后提交。"))
    else:
        if stash is not None:
            messages.warning(request, _("您在登录过期前填写的答案未能恢复：%(reason)s") % {"reason": state.reason})
        form = QuestionnaireForm(version=version, disabled=not state.editable,
                                 initial=QuestionnaireForm.initial_from(list(version.questions.all()), answers))
        if response is not None and state.editable:
            warnings = services.answers_check(questions=form.questions, answers=answers, submit=False).warnings
    reminders = selectors.reminders_for(user=request.user, year=year)[:3]
    session_age = request.session.get_expiry_age()
    return render(request, "questionnaire/fill.html", {
        "version": version, "form": form, "response": response, "state": state, "warnings": warnings,
        "confirmed": confirmed, "reminders": reminders, "enterprise": enterprise,
        "owner_field": OWNER_FIELD, "owner_token": _owner_token(user=request.user, enterprise=enterprise, year=year),
        "session_age": session_age, "session_warning": min(SESSION_WARNING_SECONDS, session_age // 3),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    })


# --------------------------------------------------------------------------- staff: codes


@login_required
def codes(request: AuthenticatedHttpRequest) -> HttpResponse:
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
            text = user_message(exc) if isinstance(exc, ValidationError) else _("有效天数应为整数。")
            messages.error(request, text)
            return redirect(request.get_full_path())
        wb = new_workbook()
        ws: Any = wb.create_sheet("激活码")
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
def progress(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
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
def remind(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    _require(request.user, STAFF)
    _version(year)
    ids: list[Any] = request.POST.getlist("enterprise")
    if request.POST.get("scope") == "all":
        ids = list(selectors.progress_list(user=request.user, year=year, status="pending")
                   .values_list("pk", flat=True)[:5000])
    try:
        count = services.reminders_send(actor=request.user, year=year, enterprise_ids=ids)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, user_message(exc))
    else:
        messages.success(request, _("已向 %(n)s 家企业发送填报提醒。") % {"n": count})
    return HttpResponseRedirect(reverse("questionnaire:progress", args=[year]) + "?status=pending")


@login_required
def response_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            messages.error(request, user_message(exc))
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
def aggregates(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
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
def export(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """Queue the XLSX export of the responses in the user's scope (a job with a progress bar)."""
    _require(request.user, STAFF)
    _version(year)
    job = job_create(actor=request.user, kind="questionnaire_export",
                     title=_("%(year)s年度企业调查问卷答卷导出") % {"year": year}, params={"year": year})
    audit_record(actor=request.user, action=AuditAction.EXPORT, obj=job, source="web", changes={"year": year})
    return redirect("reporting:job_detail", pk=job.pk)
