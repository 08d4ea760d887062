import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import AuditEvent, User
from portal.roles import Role
from portal.services import user_create
from programme.models import Deadline, DeadlineKind
from programme.services import deadline_exception_grant, deadline_state
from tests.factories import PASSWORD, CertificationBodyFactory, cb_user, district_user, hq_user, province_user, unit

pytestmark = pytest.mark.django_db


def test_login_page_and_successful_login(client):
    user = district_user()
    response = client.get("/accounts/login/")
    assert response.status_code == 200 and "登录" in response.content.decode()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_is_throttled_after_five_failures(client):
    user = district_user()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_wrong_password_message_is_clear(client):
    user = district_user()
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope-nope-1"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize("password", ["short1", "abcdefghijkl", "1234567890123", "password123"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="someone"))


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_password_change(client, login):
    user = district_user()
    login(user)
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Better-Pass-2027", "new_password2": "Better-Pass-2027"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Better-Pass-2027")


def test_a_user_belongs_to_one_organisation_matching_the_role():
    cb = CertificationBodyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bad1", role=Role.CB, org_unit=unit("120000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bad2", role=Role.PROVINCE, org_unit=unit("120000"), certification_body=cb)
    with pytest.raises(ValidationError) as excinfo:
        user_create(actor=None, username="bad3", password="Strong-Pass-2026", role=Role.PROVINCE,
                    org_unit=unit("120113"))
    assert "省级" in str(excinfo.value)


def test_user_create_audits_and_gives_staff_the_admin():
    actor = hq_user()
    user = user_create(actor=actor, username="tj1", password="Strong-Pass-2026", role=Role.PROVINCE,
                       org_unit=unit("120000"))
    assert user.is_staff
    event = AuditEvent.objects.get(object_type="portal.user", object_id=str(user.pk))
    assert event.actor == actor and event.action == "create"
    cb = user_create(actor=actor, username="cb1", password="Strong-Pass-2026", role=Role.CB,
                     certification_body=CertificationBodyFactory())
    assert not cb.is_staff


def test_deadline_lock_and_exception_for_a_cb():
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.LEDGER)
    before = deadline.due_at - dt.timedelta(days=1)
    after = deadline.due_at + dt.timedelta(days=2)
    cb_account = cb_user()
    cb = cb_account.certification_body
    assert deadline_state(year=2024, kind=DeadlineKind.LEDGER, certification_body=cb, at=before).is_open
    assert not deadline_state(year=2024, kind=DeadlineKind.LEDGER, certification_body=cb, at=after).is_open
    province = province_user("120000")
    deadline_exception_grant(actor=province, deadline=deadline, certification_body=cb,
                             open_until=deadline.due_at + dt.timedelta(days=5), reason="系统故障补报")
    state = deadline_state(year=2024, kind=DeadlineKind.LEDGER, certification_body=cb, at=after)
    assert state.is_open and state.exception_until is not None
    other = CertificationBodyFactory()
    assert not deadline_state(year=2024, kind=DeadlineKind.LEDGER, certification_body=other, at=after).is_open


def test_only_the_level_above_grants_exceptions():
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    later = deadline.due_at + dt.timedelta(days=3)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        deadline_exception_grant(actor=district_user(), deadline=deadline, org_unit=unit("120113"),
                                 open_until=later, reason="x")
    with pytest.raises(PermissionDenied):  # Hebei cannot grant a Tianjin district
        deadline_exception_grant(actor=province_user("130000"), deadline=deadline, org_unit=unit("120113"),
                                 open_until=later, reason="x")
    grant = deadline_exception_grant(actor=province_user("120000"), deadline=deadline, org_unit=unit("120113"),
                                     open_until=later, reason="材料补充")
    assert grant.granted_by_unit.code == "120000"
    assert deadline_state(year=2024, kind=DeadlineKind.SELF_ASSESSMENT, org_unit=unit("120113"),
                          at=deadline.due_at + dt.timedelta(days=1)).is_open
    assert timezone.is_aware(grant.open_until)
