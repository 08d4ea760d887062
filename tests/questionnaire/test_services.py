"""Answers, locks, reopening, activation codes and reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enterprises.questionnaire import services
from enterprises.questionnaire.models import ActivationCode, Reminder, Response, ResponseStatus
from portal.models import AuditEvent, Notification, User
from programme.models import Deadline, DeadlineKind
from tests.factories import EnterpriseFactory, district_user, enterprise_user

from .factories import YEAR, assist, full_answers, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_year():
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=5))
    return version(YEAR)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_default_version_holds_every_measure_and_is_idempotent():
    v = version(2024)
    assert services.questionnaire_defaults_load() == 0
    measures = set(v.questions.exclude(measure="").values_list("measure", flat=True))
    assert {"metric:revenue", "metric:complaint_rate", "maturity", "satisfaction:follow_up", "effect", "burden",
            "result:operating", "result:quality", "result:qm_level", "result:credit_brand", "result:digital",
            "result:lasting"} <= measures
    assert len([m for m in measures if m.startswith("metric:")]) == 9
    assert v.questions.filter(key="suggestions", required=False).exists()


def test_draft_may_be_partial_but_submit_needs_every_required_answer(open_year):
    user = enterprise_user()
    r = services.response_save(actor=user, version=open_year, answers={"revenue": {"before": "100"}}, submit=False)
    assert r.status == ResponseStatus.DRAFT
    with pytest.raises(ValidationError) as exc:
        services.response_save(actor=user, version=open_year, answers={"revenue": {"before": "100"}}, submit=True)
    errors = exc.value.message_dict
    assert "revenue__after" in errors and "年度营业收入" in errors["revenue__after"][0]
    assert "effect" in errors and "suggestions" not in errors


def test_range_errors_name_the_field(open_year):
    user = enterprise_user()
    answers = full_answers(first_pass_yield={"before": "90", "after": "120"})
    with pytest.raises(ValidationError) as exc:
        services.response_save(actor=user, version=open_year, answers=answers, submit=False)
    assert exc.value.message_dict == {"first_pass_yield__after": ["不能大于 100%"]}


def test_implausible_change_must_be_confirmed(open_year):
    user = enterprise_user()
    answers = full_answers(revenue={"before": "100", "after": "400"})
    with pytest.raises(services.NeedsConfirmation) as exc:
        services.response_save(actor=user, version=open_year, answers=answers, submit=True)
    assert list(exc.value.warnings) == ["revenue"]
    r = services.response_save(actor=user, version=open_year, answers=answers, submit=True, confirmed=["revenue"])
    assert r.status == ResponseStatus.SUBMITTED and r.confirmed_warnings == ["revenue"]


def test_submit_derives_measures_and_locks(open_year):
    user = enterprise_user()
    r = services.response_save(actor=user, version=open_year, answers=full_answers(), submit=True)
    r.refresh_from_db()
    assert r.chg_revenue == pytest.approx(10.0)  # 1000 -> 1100
    assert r.chg_defect_rate == pytest.approx(-1.0)  # points: 3 -> 2
    assert r.chg_first_pass_yield == pytest.approx(5.0)  # 90 -> 94.5
    assert (r.maturity_before, r.maturity_after, r.effect, r.burden) == (1, 2, 4, True)
    assert (r.sat_training, r.sat_policy) == (5, 3)
    assert (r.res_operating, r.res_quality, r.res_credit_brand, r.res_digital, r.res_lasting) == (
        True, True, True, False, True)
    assert not r.is_late
    with pytest.raises(PermissionDenied):
        services.response_save(actor=user, version=open_year, answers=full_answers(), submit=False)
    with pytest.raises(ValidationError):
        services.question_check_editable(open_year)


def test_after_deadline_locked_until_district_reopens(open_year):
    user = enterprise_user()
    services.response_save(actor=user, version=open_year, answers={"effect": "3"}, submit=False)
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.response_save(actor=user, version=open_year, answers=full_answers(), submit=True)
    response = Response.objects.get(enterprise=user.enterprise)
    with pytest.raises(PermissionDenied):
        services.response_reopen(actor=district_user("120114"), response=response, reason="补填")
    with pytest.raises(ValidationError):
        services.response_reopen(actor=district_user("120113"), response=response, reason=" ")
    services.response_reopen(actor=district_user("120113"), response=response, reason="企业申请补填", days=3)
    r = services.response_save(actor=user, version=open_year, answers=full_answers(), submit=True)
    assert r.is_late and r.status == ResponseStatus.SUBMITTED
    event = AuditEvent.objects.filter(object_type="questionnaire.response", changes__reopened=True).get()
    assert event.changes["reason"] == "企业申请补填"


def test_codes_are_scoped_hashed_single_use_and_expire():
    mine = EnterpriseFactory(district_code="120113")
    theirs = EnterpriseFactory(district_code="120114")
    issued = services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[mine.pk, theirs.pk])
    assert [e.pk for e, _c, _x in issued] == [mine.pk]
    code = issued[0][1]
    stored = ActivationCode.objects.get(enterprise=mine)
    assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash
    with pytest.raises(ValidationError):
        services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[theirs.pk])
    user = services.enterprise_activate(uscc=mine.uscc.lower(), code=code.lower(), password="Good-Password-9",
                                        ip="10.0.0.1")
    assert (user.username, user.role, user.enterprise_id) == (mine.uscc, "enterprise", mine.pk)
    with pytest.raises(ValidationError):  # single use
        services.enterprise_activate(uscc=mine.uscc, code=code, password="Good-Password-9", ip="10.0.0.1")
    other = EnterpriseFactory(district_code="120113")
    [(_e, old_code, _x)] = services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[other.pk])
    ActivationCode.objects.filter(enterprise=other).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError):  # expired
        services.enterprise_activate(uscc=other.uscc, code=old_code, password="Good-Password-9", ip="10.0.0.2")


def test_weak_password_is_reported_on_the_password_field():
    e = EnterpriseFactory()
    [(_e, code, _x)] = services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[e.pk])
    with pytest.raises(ValidationError) as exc:
        services.enterprise_activate(uscc=e.uscc, code=code, password="short", ip="10.0.0.3")
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(username=e.uscc).exists()
    assert ActivationCode.objects.usable().filter(enterprise=e).exists()  # still usable


def test_activation_attempts_are_throttled():
    e = EnterpriseFactory()
    [(_e, code, _x)] = services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[e.pk])
    for _ in range(services.THROTTLE_PER_USCC_IP):
        with pytest.raises(ValidationError):
            services.enterprise_activate(uscc=e.uscc, code="WRON-GWRO-NGXX", password="Good-Password-9", ip="1.2.3.4")
    with pytest.raises(services.ActivationThrottled):
        services.enterprise_activate(uscc=e.uscc, code=code, password="Good-Password-9", ip="1.2.3.4")
    # Another address is not blocked by this one's failures.
    assert services.enterprise_activate(uscc=e.uscc, code=code, password="Good-Password-9", ip="5.6.7.8")


def test_reminders_reach_only_pending_enterprises_in_scope(open_year, django_capture_on_commit_callbacks):
    pending = EnterpriseFactory(district_code="120113")
    done = EnterpriseFactory(district_code="120113")
    elsewhere = EnterpriseFactory(district_code="120114")
    for e in (pending, done, elsewhere):
        assist(e)
    account = enterprise_user(pending, email="qiye@example.com")
    services.response_save(actor=enterprise_user(done), version=open_year, answers=full_answers(), submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        count = services.reminders_send(actor=district_user("120113"), year=YEAR,
                                        enterprise_ids=[pending.pk, done.pk, elsewhere.pk])
    assert count == 1
    assert list(Reminder.objects.values_list("enterprise_id", flat=True)) == [pending.pk]
    assert Notification.objects.filter(recipient=account).count() == 1
    assert [m.to for m in mail.outbox] == [["qiye@example.com"]]
    assert services.questionnaire_pending(Deadline.objects.get(programme_year_id=YEAR, kind="questionnaire")
                                          ).get() == account
