"""Writes of the questionnaire: versions, answers, reopening, activation codes, reminders."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.audit import audit_bulk, audit_history, audit_record
from portal.figures import figures_changed
from portal.models import AuditAction, User
from portal.notifications import notify, reminder_source
from portal.roles import Role
from portal.services import user_create
from programme.models import DeadlineKind, PhaseKind, ProgrammeYear
from programme.services import deadline_state

from ..models import Enterprise
from . import selectors
from .defaults import DEFAULT_INTRO, DEFAULT_QUESTIONS, DEFAULT_TITLE
from .models import (
    METRIC_COLUMNS,
    RESULT_COLUMNS,
    SATISFACTION_COLUMNS,
    ActivationCode,
    ChangeMode,
    Measure,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Reminder,
    Response,
    ResponseStatus,
)

FIRST_DEFAULT_YEAR = 2024
ACTIVATION_VALID_DAYS = 30
ACTIVATION_MAX_BATCH = 5000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed from paper
THROTTLE_PER_USCC_IP = 5
THROTTLE_PER_IP = 30
THROTTLE_WINDOW = 15 * 60
REOPEN_DAYS = 14
# Autosaves of one actor within this long of the first are one audit event (see response_autosave).
AUTOSAVE_AUDIT_WINDOW = dt.timedelta(minutes=10)


# --------------------------------------------------------------------------- versions


def _evaluation_start(year: int) -> dt.datetime:
    phase = ProgrammeYear.objects.get(pk=year).phases.filter(kind=PhaseKind.EVALUATION).first()
    day = phase.starts_on if phase else dt.date(year, 10, 1)
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@transaction.atomic
def questionnaire_version_create(*, actor: User | None, year: int, copy_from: QuestionnaireVersion | None = None,
                                 source: str = "web") -> QuestionnaireVersion:
    """Create the year's version: a copy of ``copy_from`` or, without it, the default question set."""
    if QuestionnaireVersion.objects.filter(programme_year_id=year).exists():
        raise ValidationError({"programme_year": _("%(year)s年度的问卷已存在。") % {"year": year}})
    version = QuestionnaireVersion(
        programme_year_id=year,
        title=DEFAULT_TITLE.format(year=year),
        intro=copy_from.intro if copy_from else DEFAULT_INTRO,
        opens_at=_evaluation_start(year),
    )
    version.full_clean()
    version.save()
    if copy_from is not None:
        fields = [f.name for f in Question._meta.concrete_fields if f.name not in {"id", "version"}]
        specs = [{name: getattr(q, name) for name in fields} for q in copy_from.questions.all()]
    else:
        specs = [{**spec, "order": (i + 1) * 10} for i, spec in enumerate(DEFAULT_QUESTIONS)]
    Question.objects.bulk_create([Question(version=version, **spec) for spec in specs])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=version, source=source,
                 changes={"questions": len(specs), "copied_from": copy_from.year if copy_from else None})
    return version


def questionnaire_defaults_load(*, actor: User | None = None, source: str = "seed") -> int:
    """Idempotent: give 2024 the default questionnaire and every later programme year a copy of the year
    before (so HQ edits a ready draft). Existing versions are never touched. Returns versions created."""
    created = 0
    previous: QuestionnaireVersion | None = None
    years = ProgrammeYear.objects.filter(year__gte=FIRST_DEFAULT_YEAR).order_by("year")
    for year in years.values_list("year", flat=True):
        version = QuestionnaireVersion.objects.filter(programme_year_id=year).first()
        if version is None:
            version = questionnaire_version_create(actor=actor, year=year, copy_from=previous, source=source)
            created += 1
        previous = version
    return created


def question_check_editable(version: QuestionnaireVersion) -> None:
    if version.has_answers:
        raise ValidationError(_("该版本问卷已有企业作答，题目不能再修改；如需调整，请在下一年度的问卷中修改。"))


# --------------------------------------------------------------------------- answers


@dataclass
class AnswerCheck:
    errors: dict[str, str]
    warnings: dict[str, str]


def _dec(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _plain(value: Decimal) -> str:
    """100.00 -> "100", 12.50 -> "12.5" (never "1E+2")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _range_error(q: Question, value: Decimal) -> str | None:
    if q.min_value is not None and value < q.min_value:
        return _("不能小于 %(min)s%(unit)s") % {"min": _plain(q.min_value), "unit": q.unit}
    if q.max_value is not None and value > q.max_value:
        return _("不能大于 %(max)s%(unit)s") % {"max": _plain(q.max_value), "unit": q.unit}
    return None


def pair_change(q: Question, before: Decimal | None, after: Decimal | None) -> float | None:
    """Per-enterprise change: relative (% of "before"; undefined when before ≤ 0) or percentage points."""
    if before is None or after is None:
        return None
    if q.change_mode == ChangeMode.POINTS:
        return float(after - before)
    if before <= 0:
        return None
    return float((after - before) / before * 100)


def answers_check(*, questions: Iterable[Question], answers: dict[str, Any], submit: bool) -> AnswerCheck:
    """Field messages for a set of answers. Drafts are checked for ranges only; a submission also needs
    every required answer. Warnings (an "after" far from "before") must be confirmed before submitting."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    for q in questions:
        value = answers.get(q.key)
        if q.is_pair:
            pair = value if isinstance(value, dict) else {}
            for side in ("before", "after"):
                raw = pair.get(side)
                field = f"{q.key}__{side}"
                if raw in (None, ""):
                    if submit and q.required:
                        errors[field] = _("请填写“%(label)s”（%(side)s）。") % {
                            "label": q.label, "side": _("提升前") if side == "before" else _("提升后")}
                    continue
                if q.kind == QuestionKind.MATURITY_PAIR:
                    if str(raw) not in {v for v, _label in q.choice_list()}:
                        errors[field] = _("请选择有效的成熟度等级。")
                    continue
                number = _dec(raw)
                if number is None:
                    errors[field] = _("请输入数字。")
                elif message := _range_error(q, number):
                    errors[field] = message
            if q.kind == QuestionKind.PAIR and q.plausible_change is not None and not any(
                    k.startswith(f"{q.key}__") for k in errors):
                change = pair_change(q, _dec(pair.get("before")), _dec(pair.get("after")))
                if change is not None and abs(change) > float(q.plausible_change):
                    unit = _("个百分点") if q.change_mode == ChangeMode.POINTS else "%"
                    warnings[q.key] = _(
                        "“%(label)s”提升后较提升前变化 %(change)s%(unit)s，超出常见范围（±%(limit)s%(unit)s）。"
                        "请核对；如数据无误，请勾选确认。"
                    ) % {"label": q.label, "change": f"{change:+.1f}", "unit": unit,
                         "limit": _plain(q.plausible_change)}
            continue
        if value in (None, ""):
            if submit and q.required:
                errors[q.key] = _("请填写“%(label)s”。") % {"label": q.label}
            continue
        if q.kind == QuestionKind.NUMBER:
            number = _dec(value)
            if number is None:
                errors[q.key] = _("请输入数字。")
            elif message := _range_error(q, number):
                errors[q.key] = message
        elif q.kind == QuestionKind.TEXT:
            limit = int(q.max_value) if q.max_value else 2000
            if len(str(value)) > limit:
                errors[q.key] = _("不能超过 %(n)s 字（现为 %(len)s 字）。") % {"n": limit, "len": len(str(value))}
        elif str(value) not in {v for v, _label in q.choice_list()}:
            errors[q.key] = _("请选择一个选项。")
    return AnswerCheck(errors, warnings)


def derive_measures(*, questions: Iterable[Question], answers: dict[str, Any]) -> dict[str, Any]:
    """The typed columns of a response, from the answers to the questions that feed a measure."""
    columns: dict[str, Any] = dict.fromkeys(
        [*METRIC_COLUMNS.values(), *SATISFACTION_COLUMNS.values(), *RESULT_COLUMNS.values(),
         "maturity_before", "maturity_after", "effect", "burden"]
    )
    for q in questions:
        if not q.measure:
            continue
        value = answers.get(q.key)
        if q.measure in METRIC_COLUMNS and q.kind == QuestionKind.PAIR and isinstance(value, dict):
            columns[METRIC_COLUMNS[q.measure]] = pair_change(q, _dec(value.get("before")), _dec(value.get("after")))
        elif q.measure == Measure.MATURITY and isinstance(value, dict):
            columns["maturity_before"] = int(value["before"]) if value.get("before") else None
            columns["maturity_after"] = int(value["after"]) if value.get("after") else None
        elif value in (None, ""):
            continue
        elif q.measure in SATISFACTION_COLUMNS:
            columns[SATISFACTION_COLUMNS[q.measure]] = int(value)
        elif q.measure == Measure.EFFECT:
            columns["effect"] = int(value)
        elif q.measure == Measure.BURDEN:
            columns["burden"] = value == "yes"
        elif q.measure in RESULT_COLUMNS:
            positive = {"yes"} if q.kind == QuestionKind.YES_NO else {str(v) for v in q.positive_choices}
            columns[RESULT_COLUMNS[q.measure]] = str(value) in positive
    return columns


@dataclass(frozen=True)
class EditState:
    editable: bool
    reason: str
    due_at: dt.datetime | None = None


def response_edit_state(*, version: QuestionnaireVersion, enterprise: Enterprise,
                        response: Response | None) -> EditState:
    """May the enterprise change its answers now? Not before the questionnaire opens, not after it has
    submitted, and not after the deadline — unless its district (or above) has reopened it."""
    if response is not None and response.is_submitted:
        return EditState(False, _("问卷已提交，如需修改请联系所在区县市场监管局重新开放。"))
    if not version.is_open:
        return EditState(False, _("问卷将于 %(at)s 开放填写。") % {
            "at": timezone.localtime(version.opens_at).strftime("%Y-%m-%d")})
    if response is not None and response.reopened_until and timezone.now() <= response.reopened_until:
        return EditState(True, "", response.reopened_until)
    state = deadline_state(year=version.year, kind=DeadlineKind.QUESTIONNAIRE, org_unit=enterprise.district)
    if not state.is_open:
        return EditState(False, _("本年度问卷已于 %(at)s 截止，如需补填请联系所在区县市场监管局。") % {
            "at": timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""})
    return EditState(True, "", state.exception_until or state.due_at)


class NeedsConfirmation(ValidationError):
    """The answers are valid, but some look implausible and must be confirmed before submitting."""

    def __init__(self, warnings: dict[str, str]) -> None:
        super().__init__(warnings)
        self.warnings = warnings


def _locked_response(*, actor: User, version: QuestionnaireVersion) -> tuple[Enterprise, Response | None]:
    """The actor's enterprise and its response to ``version`` (locked), or ``PermissionDenied`` when the
    actor is no enterprise or the questionnaire may not be changed now."""
    if actor.role != Role.ENTERPRISE or actor.enterprise_id is None:
        raise PermissionDenied(_("只有企业用户可以填写问卷。"))
    enterprise = Enterprise.objects.select_related("district").get(pk=actor.enterprise_id)
    response = (Response.objects.select_for_update()
                .filter(enterprise=enterprise, programme_year_id=version.year).first())
    state = response_edit_state(version=version, enterprise=enterprise, response=response)
    if not state.editable:
        raise PermissionDenied(state.reason)
    return enterprise, response


def _response_apply(*, actor: User, version: QuestionnaireVersion, enterprise: Enterprise,
                    response: Response | None, questions: list[Question], answers: dict[str, Any],
                    confirmed: set[str], submit: bool) -> tuple[Response, bool, list[str]]:
    """Store checked answers on the (locked) response. Returns it, whether it is new, and the changed keys."""
    created = response is None
    if response is None:
        response = Response(version=version, programme_year_id=version.year, enterprise=enterprise)
    before = dict(response.answers)
    response.answers = answers
    response.confirmed_warnings = sorted(confirmed)
    for column, value in derive_measures(questions=questions, answers=answers).items():
        setattr(response, column, value)
    if submit:
        now = timezone.now()
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.submitted_by = actor
        due = deadline_state(year=version.year, kind=DeadlineKind.QUESTIONNAIRE, org_unit=enterprise.district).due_at
        response.is_late = due is not None and now > due
        response.reopened_until = None
    response.full_clean()
    response.save()
    changed = sorted(k for k in set(before) | set(answers) if before.get(k) != answers.get(k))
    return response, created, changed


@transaction.atomic
def response_save(
    *,
    actor: User,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    submit: bool,
    confirmed: Iterable[str] = (),
    source: str = "web",
) -> Response:
    """Save the enterprise's draft or submit it. Raises ``ValidationError`` (a dict of field messages),
    ``NeedsConfirmation`` (unconfirmed warnings on submit) or ``PermissionDenied`` (locked)."""
    enterprise, response = _locked_response(actor=actor, version=version)
    questions = list(version.questions.all())
    keys = {q.key for q in questions}
    answers = {k: v for k, v in answers.items() if k in keys}
    check = answers_check(questions=questions, answers=answers, submit=submit)
    if check.errors:
        raise ValidationError(check.errors)
    confirmed_set = {k for k in confirmed if k in check.warnings}
    if submit and set(check.warnings) - confirmed_set:
        raise NeedsConfirmation({k: v for k, v in check.warnings.items() if k not in confirmed_set})
    response, created, changed = _response_apply(
        actor=actor, version=version, enterprise=enterprise, response=response, questions=questions,
        answers=answers, confirmed=confirmed_set, submit=submit)
    audit_record(
        actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=response, source=source,
        changes={"status": response.status, "changed": changed, "confirmed_warnings": response.confirmed_warnings,
                 **({"late": response.is_late} if submit else {})},
    )
    if submit:  # only submitted questionnaires count: drafts leave the year's figures as they are
        year = version.year
        transaction.on_commit(lambda: figures_changed(selectors.figures_topic(year)))
    return response


@dataclass(frozen=True)
class Autosave:
    response: Response
    saved_at: dt.datetime
    kept: tuple[str, ...]  # form fields whose typed value could not be stored: the saved value stays


def _keep_stored(questions: list[Question], answers: dict[str, Any], stored: dict[str, Any],
                 fields: set[str]) -> dict[str, Any]:
    """``answers`` with the stored value back in each named form field (``key`` or ``key__before``)."""
    result = {k: (dict(v) if isinstance(v, dict) else v) for k, v in answers.items()}
    for q in questions:
        if q.is_pair:
            sides = [side for side in ("before", "after") if f"{q.key}__{side}" in fields]
            if not sides:
                continue
            old_value, new_value = stored.get(q.key), result.get(q.key)
            old: dict[str, Any] = old_value if isinstance(old_value, dict) else {}
            pair: dict[str, Any] = new_value if isinstance(new_value, dict) else {"before": None, "after": None}
            for side in sides:
                pair[side] = old.get(side)
            if any(v not in (None, "") for v in pair.values()):
                result[q.key] = pair
            else:
                result.pop(q.key, None)
        elif q.key in fields:
            if q.key in stored:
                result[q.key] = stored[q.key]
            else:
                result.pop(q.key, None)
    return result


@transaction.atomic
def response_autosave(
    *,
    actor: User,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    unparsed: Iterable[str] = (),
    confirmed: Iterable[str] = (),
    source: str = "autosave",
    coalesce: bool = True,
) -> Autosave:
    """Keep what the enterprise has typed so far as its draft (the fill page sends it while the enterprise
    types). Never submits and never fails on one bad field: a form field that did not parse (``unparsed``)
    or is out of range keeps its stored value and is reported in ``kept``. ``PermissionDenied`` when the
    questionnaire is locked or submitted.

    Audit: an unchanged draft writes nothing. Otherwise, with ``coalesce``, the save extends the response's
    latest event when that is an autosave of the same actor begun less than ``AUTOSAVE_AUDIT_WINDOW`` ago
    (its ``changed`` keys accumulate, ``autosaves`` counts the saves, ``until`` is the last one) — one event
    per editing stretch, however often the page saves."""
    enterprise, response = _locked_response(actor=actor, version=version)
    questions = list(version.questions.all())
    keys = {q.key for q in questions}
    stored = dict(response.answers) if response is not None else {}
    merged = _keep_stored(questions, {k: v for k, v in answers.items() if k in keys}, stored, set(unparsed))
    errors = answers_check(questions=questions, answers=merged, submit=False).errors
    if errors:  # stored answers passed this check when they were saved
        merged = _keep_stored(questions, merged, stored, set(errors))
    warnings = answers_check(questions=questions, answers=merged, submit=False).warnings
    kept = tuple(sorted(set(unparsed) | set(errors)))
    confirmed_set = {k for k in confirmed if k in warnings}
    now = timezone.now()
    if response is not None and merged == stored and sorted(confirmed_set) == list(response.confirmed_warnings):
        return Autosave(response, now, kept)
    response, created, changed = _response_apply(
        actor=actor, version=version, enterprise=enterprise, response=response, questions=questions,
        answers=merged, confirmed=confirmed_set, submit=False)
    last = None if created or not coalesce else audit_history(obj=response).first()
    if (last is not None and last.source == source and last.actor_id == actor.pk
            and "autosaves" in last.changes and now - last.at < AUTOSAVE_AUDIT_WINDOW):
        last.changes = {
            **last.changes,
            "changed": sorted(set(last.changes.get("changed", [])) | set(changed)),
            "confirmed_warnings": response.confirmed_warnings,
            "autosaves": int(last.changes["autosaves"]) + 1,
            "until": now.isoformat(),
        }
        last.save(update_fields=["changes"])
    else:
        audit_record(
            actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=response, source=source,
            changes={"status": response.status, "changed": changed,
                     "confirmed_warnings": response.confirmed_warnings,
                     **({"autosaves": 1, "until": now.isoformat()} if coalesce else {})},
        )
    return Autosave(response, now, kept)


def _check_staff_scope(actor: User, enterprise: Enterprise) -> None:
    if actor.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT} and not actor.is_superuser:
        raise PermissionDenied(_("只有市场监管部门工作人员可以重新开放问卷。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


@transaction.atomic
def response_reopen(*, actor: User, response: Response, reason: str, days: int = REOPEN_DAYS) -> Response:
    """The district (or a level above) reopens a submitted or locked questionnaire for a number of days."""
    _check_staff_scope(actor, response.enterprise)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新开放的理由。")})
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("开放天数应在 1 到 60 天之间。")})
    response = Response.objects.select_for_update().get(pk=response.pk)
    previous = response.status
    response.status = ResponseStatus.DRAFT
    response.submitted_at = None
    response.reopened_until = timezone.now() + dt.timedelta(days=days)
    response.save(update_fields=["status", "submitted_at", "reopened_until", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=response, source="web",
                 changes={"reopened": True, "previous_status": previous, "reason": reason.strip(),
                          "reopened_until": response.reopened_until.isoformat()})
    year = response.programme_year_id
    transaction.on_commit(lambda: figures_changed(selectors.figures_topic(year)))
    return response


# --------------------------------------------------------------------------- activation codes


def _code_hash(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return salted_hmac("questionnaire.activation-code", normalised, algorithm="sha256").hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issuable_enterprises(*, actor: User) -> QuerySet[Enterprise]:
    """Enterprises the actor may issue codes to: in scope for district/province/HQ staff; the ones on its
    ledger for a CB."""
    if actor.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB} and not actor.is_superuser:
        return Enterprise.objects.none()
    return Enterprise.objects.visible_to(actor)


@transaction.atomic
def activation_codes_issue(
    *, actor: User, enterprise_ids: Iterable[int], valid_days: int = ACTIVATION_VALID_DAYS
) -> list[tuple[Enterprise, str, dt.datetime]]:
    """Issue one fresh code per enterprise (in the actor's scope, without an account yet). Earlier unused
    codes of those enterprises are revoked. The plain codes are returned once and never stored."""
    if actor.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB} and not actor.is_superuser:
        raise PermissionDenied(_("只有区县局、省局、总局工作人员或认证机构可以发放激活码。"))
    if not 1 <= valid_days <= 90:
        raise ValidationError({"valid_days": _("有效天数应在 1 到 90 天之间。")})
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        raise ValidationError({"enterprises": _("请至少选择一家企业。")})
    if len(ids) > ACTIVATION_MAX_BATCH:
        raise ValidationError({"enterprises": _("一次最多为 %(n)s 家企业发放激活码，请分批发放。")
                               % {"n": ACTIVATION_MAX_BATCH}})
    enterprises = list(
        issuable_enterprises(actor=actor).filter(pk__in=ids)
        .exclude(users__is_active=True).select_related("district").order_by("district__code", "uscc")
    )
    if not enterprises:
        raise ValidationError({"enterprises": _("所选企业均不在您的范围内，或已开通账户。")})
    now = timezone.now()
    expires = now + dt.timedelta(days=valid_days)
    ActivationCode.objects.filter(enterprise__in=enterprises, used_at__isnull=True, revoked_at__isnull=True
                                  ).update(revoked_at=now)
    issued: list[tuple[Enterprise, str, dt.datetime]] = []
    rows = []
    for enterprise in enterprises:
        code = _new_code()
        issued.append((enterprise, code, expires))
        rows.append(ActivationCode(enterprise=enterprise, code_hash=_code_hash(code), issued_by=actor,
                                   issued_by_cb_id=actor.certification_body_id, expires_at=expires))
    ActivationCode.objects.bulk_create(rows)
    audit_bulk(actor=actor, action=AuditAction.CREATE, model=ActivationCode, source="web",
               entries=[(e.pk, str(e), {"activation_code_issued": True, "expires_at": expires.isoformat()})
                        for e, _c, _x in issued])
    return issued


class ActivationThrottled(PermissionDenied):
    pass


def _throttle_keys(uscc: str, ip: str) -> tuple[str, str]:
    return f"questionnaire:activate:{uscc}:{ip}", f"questionnaire:activate-ip:{ip}"


def activation_throttled(*, uscc: str, ip: str) -> bool:
    pair_key, ip_key = _throttle_keys(uscc, ip)
    return (cache.get(pair_key, 0) >= THROTTLE_PER_USCC_IP) or (cache.get(ip_key, 0) >= THROTTLE_PER_IP)


def _throttle_fail(uscc: str, ip: str) -> None:
    for key in _throttle_keys(uscc, ip):
        cache.add(key, 0, THROTTLE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, THROTTLE_WINDOW)


def enterprise_activate(*, uscc: str, code: str, password: str, ip: str, email: str = "",
                        full_name: str = "") -> User:
    """An enterprise opens its account with its USCC and a valid code; the account's username is the
    USCC. Failures are counted per USCC+address and per address (throttled for 15 minutes)."""
    uscc = (uscc or "").strip().upper()
    if activation_throttled(uscc=uscc, ip=ip):
        raise ActivationThrottled(_("尝试次数过多，请15分钟后再试。"))
    invalid = ValidationError({"code": _("统一社会信用代码或激活码不正确，或激活码已过期、已使用。")})
    with transaction.atomic():
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        activation = None
        if enterprise is not None:
            activation = (ActivationCode.objects.usable().select_for_update()
                          .filter(enterprise=enterprise, code_hash=_code_hash(code or "")).first())
        if activation is None or enterprise is None:
            _throttle_fail(uscc, ip)
            raise invalid
        if User.objects.filter(username=uscc).exists() or enterprise.users.filter(is_active=True).exists():
            raise ValidationError({"uscc": _("该企业已开通账户，请直接登录；忘记密码请联系所在区县局。")})
        try:
            user = user_create(actor=None, username=uscc, password=password, role=Role.ENTERPRISE,
                               enterprise=enterprise, email=email, full_name=full_name, source="activation")
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        activation.used_at = timezone.now()
        activation.save(update_fields=["used_at"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=activation, source="web",
                     changes={"used": True, "ip": ip})
    cache.delete(_throttle_keys(uscc, ip)[0])
    return user


# --------------------------------------------------------------------------- reminders


@transaction.atomic
def reminders_send(*, actor: User, year: int, enterprise_ids: Iterable[int]) -> int:
    """Remind assisted enterprises in scope that have not submitted: an in-portal notice plus an e-mail
    to their accounts' addresses. Returns how many enterprises were reminded."""
    if actor.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT} and not actor.is_superuser:
        raise PermissionDenied(_("只有市场监管部门工作人员可以发送提醒。"))
    enterprises = list(
        Enterprise.objects.visible_to(actor).filter(pk__in=list(enterprise_ids))
        .filter(ledger_records__programme_year_id=year).distinct()
        .exclude(questionnaire_responses__programme_year_id=year,
                 questionnaire_responses__status=ResponseStatus.SUBMITTED)
    )
    if not enterprises:
        raise ValidationError({"enterprises": _("没有需要提醒的企业（所选企业均已提交或不在您的范围内）。")})
    state = deadline_state(year=year, kind=DeadlineKind.QUESTIONNAIRE)
    due = timezone.localtime(state.due_at).strftime("%Y-%m-%d") if state.due_at else ""
    message = _("请于 %(due)s 前登录平台填写并提交%(year)s年度企业调查问卷。") % {"due": due, "year": year}
    accounts = list(User.objects.filter(enterprise__in=enterprises, is_active=True))
    emails: dict[int, str] = {}
    for account in accounts:
        if account.email and account.enterprise_id is not None:
            emails.setdefault(account.enterprise_id, account.email)
    rows = [Reminder(programme_year_id=year, enterprise=e, sent_by=actor, message=message,
                     emailed_to=emails.get(e.pk, "")) for e in enterprises]
    Reminder.objects.bulk_create(rows)
    if accounts:
        notify(recipients=accounts, kind="reminder", url=reverse("questionnaire:fill", args=[year]),
               title=_("【提升行动】%(year)s年度企业调查问卷填写提醒") % {"year": year}, body=message)
    audit_bulk(actor=actor, action=AuditAction.OTHER, model=Enterprise, source="web",
               entries=[(e.pk, str(e), {"questionnaire_reminder": year, "emailed": e.pk in emails})
                        for e in enterprises])
    return len(enterprises)



@reminder_source(DeadlineKind.QUESTIONNAIRE)
def questionnaire_pending(deadline: Any) -> QuerySet[User]:
    """Accounts of the year's assisted enterprises that have not submitted: reminded before the deadline."""
    year = deadline.programme_year_id
    return (User.objects.filter(is_active=True, role=Role.ENTERPRISE,
                                enterprise__ledger_records__programme_year_id=year)
            .exclude(enterprise__questionnaire_responses__programme_year_id=year,
                     enterprise__questionnaire_responses__status=ResponseStatus.SUBMITTED)
            .distinct())
