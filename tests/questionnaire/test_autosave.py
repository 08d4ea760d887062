"""The questionnaire keeps an enterprise's answers: drafts saved while it types, a warning before the login
expires, and answers posted after the login expired given back after the next login."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from enterprises.questionnaire import services, views
from enterprises.questionnaire.models import Response, ResponseStatus
from portal.models import AuditEvent
from programme.models import Deadline, DeadlineKind
from tests.factories import PASSWORD, EnterpriseFactory, district_user, enterprise_user

from .factories import YEAR, full_answers, response, version

pytestmark = pytest.mark.django_db

RESTORED = "您在登录过期前填写的答案已恢复，请检查后提交"


@pytest.fixture
def open_year():
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=5))
    return version(YEAR)


def _autosave_url(enterprise, year=YEAR):
    return reverse("questionnaire:autosave", args=[year, enterprise.pk])


def _fill_url(year=YEAR):
    return reverse("questionnaire:fill", args=[year])


def _owner_token(client):
    """The fill page's owner token, as the browser posts it back with the answers."""
    page = client.get(_fill_url()).content.decode()
    match = re.search(r'name="page\.owner" value="([^"]+)"', page)
    return match.group(1) if match else ""


def _log_in(client, user):
    """Through the login form (as a person would), so the session is a real, cycled one."""
    page = client.post(reverse("login"), {"username": user.username, "password": PASSWORD, "next": _fill_url()})
    assert page.status_code == 302 and page["Location"] == _fill_url(), page.content.decode()[:500]


def _expire_session(client):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))


def _audit_events(r):
    return list(AuditEvent.objects.filter(object_type="questionnaire.response", object_id=str(r.pk)).order_by("pk"))


# --------------------------------------------------------------------------- autosave


def test_autosave_stores_the_draft_and_says_when(open_year, login):
    user = enterprise_user()
    client = login(user)
    before = timezone.localtime()
    saved = client.post(_autosave_url(user.enterprise), {
        "revenue__before": "100", "revenue__after": "110", "effect": "4", "submit": "1"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    text = saved.content.decode()
    assert re.search(r"已保存 \d\d:\d\d", text)
    assert f"已保存 {before:%H:%M}" in text or f"已保存 {timezone.localtime():%H:%M}" in text  # Asia/Shanghai
    assert "<html" not in text  # a fragment, not a page
    r = Response.objects.get(enterprise=user.enterprise)
    assert r.status == ResponseStatus.DRAFT and r.submitted_at is None  # never submits
    assert r.answers == {"revenue": {"before": "100", "after": "110"}, "effect": "4"}
    assert r.effect == 4


def test_autosave_of_a_field_that_does_not_parse_keeps_its_saved_value(open_year, login):
    user = enterprise_user()
    client = login(user)
    client.post(_autosave_url(user.enterprise), {"revenue__before": "100", "revenue__after": "110"})
    saved = client.post(_autosave_url(user.enterprise), {
        "revenue__before": "1o0", "revenue__after": "120", "defect_rate__after": "150", "sales__before": "80"})
    assert saved.status_code == 200
    assert "已保存" in saved.content.decode() and "2 处内容有误" in saved.content.decode()
    r = Response.objects.get(enterprise=user.enterprise)
    # The typo keeps the saved "before"; the out-of-range figure is not stored; the rest is.
    assert r.answers == {"revenue": {"before": "100", "after": "120"}, "sales": {"before": "80", "after": None}}


def test_autosave_is_for_the_own_enterprise_only(open_year, login):
    other = EnterpriseFactory(district_code="120113")
    user = enterprise_user()
    client = login(user)
    assert client.post(_autosave_url(user.enterprise), {"effect": "3"}).status_code == 200
    assert client.post(_autosave_url(other), {"effect": "1"}).status_code == 404
    assert not Response.objects.filter(enterprise=other).exists()
    assert Response.objects.get(enterprise=user.enterprise).answers == {"effect": "3"}


def test_staff_cannot_autosave(open_year, login):
    enterprise = EnterpriseFactory(district_code="120113")
    refused = login(district_user("120113")).post(_autosave_url(enterprise), {"effect": "3"})
    assert refused.status_code == 403
    assert not Response.objects.filter(enterprise=enterprise).exists()


def test_autosave_refuses_a_submitted_questionnaire(open_year, login):
    user = enterprise_user()
    submitted = response(user.enterprise, submitted=True)
    submitted.answers = full_answers()
    submitted.save()
    refused = login(user).post(_autosave_url(user.enterprise), {"effect": "1"})
    assert refused.status_code == 409
    assert "问卷已提交" in refused.content.decode() and "已保存" not in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.answers["effect"] == "4" and submitted.status == ResponseStatus.SUBMITTED


def test_autosave_refuses_after_the_deadline(open_year, login):
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() - dt.timedelta(hours=1))
    user = enterprise_user()
    refused = login(user).post(_autosave_url(user.enterprise), {"effect": "1"})
    assert refused.status_code == 409 and "截止" in refused.content.decode()
    assert not Response.objects.filter(enterprise=user.enterprise).exists()


def test_autosaves_of_one_stretch_are_one_audit_event(open_year, login):
    user = enterprise_user()
    client = login(user)
    for value in ("1", "2", "3", "4", "4"):
        client.post(_autosave_url(user.enterprise), {"effect": value})
    client.post(_autosave_url(user.enterprise), {"effect": "4", "burden": "no"})
    r = Response.objects.get(enterprise=user.enterprise)
    [event] = _audit_events(r)
    assert event.source == "autosave" and event.actor_id == user.pk
    assert event.changes["autosaves"] == 5  # the unchanged save wrote nothing
    assert event.changes["changed"] == ["burden", "effect"]
    # A stretch older than the window starts a new event; so does a save by the button in between.
    AuditEvent.objects.filter(pk=event.pk).update(at=timezone.now() - services.AUTOSAVE_AUDIT_WINDOW)
    client.post(_autosave_url(user.enterprise), {"effect": "3"})
    client.post(_fill_url(), {"effect": "2", "save": "1"})
    client.post(_autosave_url(user.enterprise), {"effect": "1"})
    assert [(e.source, e.changes.get("autosaves")) for e in _audit_events(r)] == [
        ("autosave", 5), ("autosave", 1), ("web", None), ("autosave", 1)]


# --------------------------------------------------------------------------- the login expires


def test_fill_page_tells_the_script_when_the_login_ends(open_year, login, settings):
    settings.SESSION_COOKIE_AGE = 600
    user = enterprise_user()
    client = login(user)
    page = client.get(_fill_url()).content.decode()
    assert 'data-session-age="600"' in page and 'data-session-warning="200"' in page
    assert f'data-keepalive-url="{reverse("questionnaire:keepalive")}"' in page
    assert "登录即将过期" in page and "questionnaire/fill.js" in page
    assert f'hx-post="{_autosave_url(user.enterprise)}"' in page
    kept = client.post(reverse("questionnaire:keepalive"))
    assert kept.status_code == 200 and kept.json() == {"expires_in": 600}
    _expire_session(client)
    assert client.post(reverse("questionnaire:keepalive")).status_code == 401


def test_submit_after_the_login_expired_is_restored_after_logging_in(open_year, client):
    user = enterprise_user()
    _log_in(client, user)
    token = _owner_token(client)
    _expire_session(client)
    answers = {"revenue__before": "1000", "revenue__after": "1100", "effect": "4", "confirm_revenue": "1",
               "suggestions": "希望继续帮扶", "page.owner": token, "submit": "1"}
    expired = client.post(_fill_url(), answers)
    assert expired.status_code == 302
    assert expired["Location"] == f"{reverse('login')}?next={_fill_url()}"
    assert not Response.objects.filter(enterprise=user.enterprise).exists()
    assert "答案已暂存" in client.get(expired["Location"]).content.decode()

    _log_in(client, user)
    page = client.get(_fill_url())
    text = page.content.decode()
    assert RESTORED in text
    assert 'name="revenue__before" value="1000"' in text and "希望继续帮扶" in text
    r = Response.objects.get(enterprise=user.enterprise)
    assert r.status == ResponseStatus.DRAFT  # restored as a draft, for the enterprise to check and submit
    assert r.answers == {"revenue": {"before": "1000", "after": "1100"}, "effect": "4", "suggestions": "希望继续帮扶"}
    assert views.STASH_KEY not in client.session
    assert RESTORED not in client.get(_fill_url()).content.decode()  # once


def test_autosave_after_the_login_expired_answers_401_and_keeps_the_answers(open_year, client):
    user = enterprise_user()
    _log_in(client, user)
    token = _owner_token(client)
    _expire_session(client)
    expired = client.post(_autosave_url(user.enterprise), {"effect": "3", "page.owner": token},
                          HTTP_HX_REQUEST="true")
    assert expired.status_code == 401
    body = expired.json()
    assert body["expired"] is True and body["stashed"] is True
    assert body["login_url"].startswith(reverse("login")) and "next=" in body["login_url"]
    _log_in(client, user)
    assert RESTORED in client.get(_fill_url()).content.decode()
    assert Response.objects.get(enterprise=user.enterprise).answers == {"effect": "3"}


def test_answers_kept_from_an_expired_login_go_to_nobody_else(open_year, client):
    owner = enterprise_user()
    _log_in(client, owner)
    token = _owner_token(client)
    _expire_session(client)
    client.post(_fill_url(), {"effect": "1", "page.owner": token, "save": "1"})
    assert views.STASH_KEY in client.session

    other = enterprise_user(EnterpriseFactory(district_code="120113"))
    _log_in(client, other)
    assert views.STASH_KEY not in client.session  # dropped at that login
    assert RESTORED not in client.get(_fill_url()).content.decode()
    assert not Response.objects.exists()
    client.post(reverse("logout"))
    _log_in(client, owner)
    assert RESTORED not in client.get(_fill_url()).content.decode()
    assert not Response.objects.exists()


def test_only_a_page_served_to_the_enterprise_keeps_answers(open_year, client):
    user = enterprise_user()
    _log_in(client, user)
    token = _owner_token(client)
    _expire_session(client)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    client.post(_fill_url(), {"effect": "1", "page.owner": forged, "save": "1"})
    assert views.STASH_KEY not in client.session
    # Another enterprise's autosave address with this page's token keeps nothing either.
    other = EnterpriseFactory(district_code="120113")
    assert client.post(_autosave_url(other), {"effect": "1", "page.owner": token}).json()["stashed"] is False
    # Nor does a page too big to keep in a session.
    client.post(_fill_url(), {"suggestions": "长" * views.STASH_MAX_BYTES, "page.owner": token, "save": "1"})
    assert views.STASH_KEY not in client.session
    client.post(_fill_url(), {"suggestions": "短", "unrelated": "x", "page.owner": token, "save": "1"})
    assert client.session[views.STASH_KEY]["data"] == {"suggestions": "短"}


def test_a_restored_questionnaire_that_was_submitted_meanwhile_is_left_alone(open_year, client):
    user = enterprise_user()
    _log_in(client, user)
    token = _owner_token(client)
    _expire_session(client)
    client.post(_fill_url(), {"effect": "1", "page.owner": token, "submit": "1"})
    services.response_save(actor=user, version=open_year, answers=full_answers(), submit=True)  # another browser
    _log_in(client, user)
    text = client.get(_fill_url()).content.decode()
    assert "未能恢复" in text and RESTORED not in text
    assert Response.objects.get(enterprise=user.enterprise).answers["effect"] == "4"


def test_a_page_served_to_another_enterprise_is_not_saved_into_this_one(open_year, client):
    first = enterprise_user()
    _log_in(client, first)
    token = _owner_token(client)
    client.post(reverse("logout"))
    second = enterprise_user(EnterpriseFactory(district_code="120113"))
    _log_in(client, second)
    page = client.post(_fill_url(), {"effect": "1", "page.owner": token, "save": "1"}, follow=True)
    assert "其他企业账户" in page.content.decode()
    assert not Response.objects.exists()


def test_the_new_texts_are_in_english_too(open_year, login):
    user = enterprise_user()
    client = login(user)
    saved = client.post(_autosave_url(user.enterprise), {"effect": "4", "sales__before": "x"},
                        HTTP_ACCEPT_LANGUAGE="en")
    text = saved.content.decode()
    assert re.search(r"Saved \d\d:\d\d", text) and "invalid entries not saved: 1" in text
    page = client.get(_fill_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'Your login expires in <span data-session-remaining aria-live="off"></span>' in page
    for text in ("Stay logged in", "Log in again", "Saving…", "Automatic saving failed"):
        assert text in page
