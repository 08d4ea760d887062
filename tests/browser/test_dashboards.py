"""Every role logs in through the login form and lands on its own dashboard."""

import pytest

from tests.factories import (
    EnterpriseFactory,
    cb_user,
    district_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
)

pytestmark = pytest.mark.browser

CASES = [
    ("hq", hq_user, "总局工作台"),
    ("province", lambda: province_user("120000"), "省局工作台 · 天津市"),
    ("district", lambda: district_user("120113"), "区县局工作台 · 天津市北辰区"),
    ("expert", expert_user, "评估专家工作台"),
    ("cb", cb_user, "认证机构工作台"),
    ("enterprise", lambda: enterprise_user(EnterpriseFactory(name="北辰测试电动车有限公司")),
     "企业工作台 · 北辰测试电动车有限公司"),
]


@pytest.mark.parametrize(("role", "make_user", "title"), CASES, ids=[c[0] for c in CASES])
def test_each_role_sees_its_own_dashboard(page, login_as, shot, role, make_user, title):
    user = make_user()
    login_as(page, user)
    heading = page.get_by_test_id("dashboard-title")
    assert title in heading.inner_text()
    assert user.get_role_display() in page.get_by_test_id("whoami").inner_text()
    page.get_by_test_id("calendar").wait_for()
    shot(page, role)


def test_english_switch_translates_the_shell(page, login_as):
    login_as(page, hq_user())
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "HQ dashboard" in page.get_by_test_id("dashboard-title").inner_text()
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert "总局工作台" in page.get_by_test_id("dashboard-title").inner_text()
