"""An enterprise activates with USCC + code, fills half the questionnaire, saves, logs out, comes back,
finishes, confirms an implausible figure, submits — and its district's response rate moves to 100 %."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.questionnaire.models import Response, ResponseStatus
from enterprises.questionnaire.selectors import latest_version
from portal.models import User
from programme.models import Deadline, DeadlineKind
from tests.factories import EnterpriseFactory, district_user
from tests.questionnaire.factories import assist, version

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Qiye-Mima-2026x"

FIRST_HALF = {
    "revenue": ("1000", "2500"),  # +150 %: a warning to confirm on submit
    "sales": ("800", "880"),
    "profit_margin": ("10", "11"),
    "quality_cost": ("5", "4.6"),
    "first_pass_yield": ("90", "94"),
    "conversion": ("50", "54"),
    "defect_rate": ("3", "2"),
    "customer_satisfaction": ("80", "86"),
    "complaint_rate": ("2", "1.5"),
}
SECOND_HALF = {
    "operating_effect": "some", "quality_effect": "much", "qm_effect": "much", "credit_brand": "yes",
    "digital": "no", "lasting": "keep_improve", "sat_training": "5", "sat_cb_ability": "4",
    "sat_cb_attitude": "5", "sat_policy": "4", "sat_follow_up": "4", "effect": "4", "burden": "yes",
}


def _logout(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/accounts/login/**")


def test_enterprise_activates_fills_in_two_sittings_and_district_rate_moves(page, live_url, login_as, shot):
    version(2024)  # loads every year's version
    current = latest_version()
    year = current.year
    Deadline.objects.filter(programme_year_id=year, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=10))
    enterprise = EnterpriseFactory(district_code="120113", name="北辰问卷测试电动车有限公司")
    assist(enterprise, year)
    district = district_user("120113")
    page.on("dialog", lambda dialog: dialog.accept())

    # The district sees 0 % and issues a code, downloaded as an XLSX list.
    login_as(page, district)
    page.goto(f"{live_url}/questionnaire/{year}/progress/")
    assert page.get_by_test_id("response-rate").inner_text() == "0.0%"
    page.goto(f"{live_url}/questionnaire/codes/?q={enterprise.uscc}")
    page.check(f"input[name=enterprise][value='{enterprise.pk}']")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="为选中企业生成并下载").click()
    sheet = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes())).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("统一社会信用代码")] == enterprise.uscc
    code = row[header.index("激活码")]
    _logout(page)

    # The enterprise activates with USCC + code and sets its password.
    page.goto(f"{live_url}/questionnaire/activate/")
    page.fill("input[name=uscc]", enterprise.uscc)
    page.fill("input[name=code]", code)
    page.fill("input[name=full_name]", "质量负责人 王丽")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.get_by_role("button", name="激活并登录").click()
    page.wait_for_url(f"**/questionnaire/{year}/")
    assert "尚未填写" in page.get_by_test_id("questionnaire-status").inner_text()

    # First sitting: the business figures, then "save draft".
    for key, (before, after) in FIRST_HALF.items():
        page.fill(f"input[name={key}__before]", before)
        page.fill(f"input[name={key}__after]", after)
    page.select_option("select[name=maturity__before]", "1")
    page.select_option("select[name=maturity__after]", "2")
    shot(page, "first-half")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "草稿" in page.get_by_test_id("questionnaire-status").inner_text()
    assert Response.objects.get(enterprise=enterprise).status == ResponseStatus.DRAFT
    _logout(page)

    # Second sitting: log in with the USCC, the draft is still there; finish and submit.
    user = User.objects.get(username=enterprise.uscc)
    login_as(page, user, password=NEW_PASSWORD)
    page.goto(f"{live_url}/questionnaire/{year}/")
    assert page.input_value("input[name=revenue__before]") == "1000"
    assert page.input_value("input[name=complaint_rate__after]") == "1.5"
    for key, value in SECOND_HALF.items():
        page.check(f"input[name={key}][value='{value}']")
    page.fill("textarea[name=suggestions]", "希望继续开展一对一帮扶。")
    page.get_by_role("button", name="提交问卷").click()
    page.wait_for_load_state()
    # Revenue +150 % must be confirmed first.
    warning = page.locator("#q-revenue .q-warning")
    assert "超出常见范围" in warning.inner_text()
    shot(page, "confirm-warning")
    warning.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="提交问卷").click()
    page.wait_for_load_state()
    assert "已提交" in page.get_by_test_id("questionnaire-status").inner_text()
    assert page.locator("input[name=revenue__before]").is_disabled()
    shot(page, "submitted")
    response = Response.objects.get(enterprise=enterprise)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.confirmed_warnings == ["revenue"]
    assert response.chg_revenue == pytest.approx(150.0)
    _logout(page)

    # The district's response rate now counts it.
    login_as(page, district)
    page.goto(f"{live_url}/questionnaire/{year}/progress/")
    assert page.get_by_test_id("response-rate").inner_text() == "100.0%"
    assert page.get_by_test_id("submitted").inner_text() == "1"
    shot(page, "district-progress")
