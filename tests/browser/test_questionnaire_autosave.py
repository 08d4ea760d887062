"""An enterprise types and the page saves; the login nears its end and the page warns; the enterprise stays
logged in, then lets the login expire, keeps typing and logs in again — and finds every answer back."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.questionnaire.models import Response, ResponseStatus
from enterprises.questionnaire.selectors import latest_version
from programme.models import Deadline, DeadlineKind
from tests.factories import PASSWORD, EnterpriseFactory, enterprise_user
from tests.questionnaire.factories import version

pytestmark = pytest.mark.browser

LIFETIME = 12  # seconds: the page warns for the last third of it


def _draft_answers(enterprise, until, timeout=8.0):
    """The stored draft's answers once ``until(answers)`` holds (autosave runs two seconds after typing)."""
    deadline = time.monotonic() + timeout
    while True:
        response = Response.objects.filter(enterprise=enterprise).first()
        answers = response.answers if response is not None else {}
        if until(answers) or time.monotonic() > deadline:
            return response, answers
        time.sleep(0.2)


def test_autosave_warning_expiry_and_answers_back_after_login(page, live_url, login_as, settings, shot):
    settings.SESSION_COOKIE_AGE = LIFETIME
    version(2024)  # loads every year's version
    year = latest_version().year
    Deadline.objects.filter(programme_year_id=year, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=10))
    user = enterprise_user(EnterpriseFactory(district_code="120113", name="北辰自动保存测试有限公司"))
    page.on("dialog", lambda dialog: dialog.accept())

    login_as(page, user)
    page.goto(f"{live_url}/questionnaire/{year}/")
    status = page.get_by_test_id("autosave-status")
    warning = page.get_by_test_id("session-warning")
    expired = page.get_by_test_id("session-expired")

    # Typing saves a draft, and the page says when.
    page.fill("input[name=revenue__before]", "1000")
    page.fill("input[name=revenue__after]", "1100")
    expect(status).to_have_text(re.compile(r"已保存 \d\d:\d\d"), timeout=8_000)
    saved, answers = _draft_answers(user.enterprise, lambda a: a.get("revenue", {}).get("after") == "1100")
    assert saved.status == ResponseStatus.DRAFT
    assert answers["revenue"] == {"before": "1000", "after": "1100"}

    # Near the end of the login the page warns; "stay logged in" renews it.
    expect(warning).to_be_visible(timeout=(LIFETIME + 2) * 1000)
    assert "登录即将过期" in warning.inner_text()
    shot(page, "session-warning")
    page.get_by_role("button", name="保持登录").click()
    expect(warning).to_be_hidden()

    # Left alone, the login expires; what is typed then stays on the page and is kept for the next login.
    expect(expired).to_be_visible(timeout=(LIFETIME + 3) * 1000)
    page.check("input[name=effect][value='4']")
    page.fill("textarea[name=suggestions]", "登录过期后填写的建议")
    page.locator("textarea[name=suggestions]").blur()
    expect(status).to_have_text("登录已过期，未能自动保存。", timeout=5_000)
    assert page.is_checked("input[name=effect][value='4']")
    assert page.input_value("textarea[name=suggestions]") == "登录过期后填写的建议"
    assert "effect" not in Response.objects.get(enterprise=user.enterprise).answers
    shot(page, "session-expired")

    page.get_by_role("button", name="重新登录").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/questionnaire/{year}/")
    assert "您在登录过期前填写的答案已恢复，请检查后提交" in page.locator(".messages").inner_text()
    assert page.is_checked("input[name=effect][value='4']")
    assert page.input_value("textarea[name=suggestions]") == "登录过期后填写的建议"
    assert page.input_value("input[name=revenue__before]") == "1000"
    shot(page, "restored")
    restored = Response.objects.get(enterprise=user.enterprise)
    assert restored.status == ResponseStatus.DRAFT
    assert restored.answers["effect"] == "4" and restored.answers["suggestions"] == "登录过期后填写的建议"
