"""The targets page in Chromium: HQ sees the nation's progress towards the plan's 2027 targets (Chinese and English);
a province sets its own target through the form (a wrong value is named on the field) and sees it beside the
nation's; the chain-problem register takes a record."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from enterprises.models import LedgerRecord, TrainingRecord
from reporting.targets import services
from reporting.targets.models import Target
from tests.factories import CertificationBodyFactory, EnterpriseFactory, hq_user, province_user, unit

pytestmark = pytest.mark.browser


def _world() -> None:
    """Assistance, training and chain problems in 2025 and 2026 in Tianjin and Hebei."""
    cb = CertificationBodyFactory()
    this_year = dt.date.today().year
    years = [y for y in (2025, 2026) if y <= this_year]
    for i in range(12):
        district = ("120113", "120114", "130102")[i % 3]
        enterprise = EnterpriseFactory(district_code=district)
        for year in years[: 1 + i % 2]:
            LedgerRecord.objects.create(
                programme_year_id=year, certification_body=cb, enterprise=enterprise,
                start_date=dt.date(year, 3, 1), end_date=dt.date(year, 5, 1), reported_name=enterprise.name,
                reported_district=enterprise.district, reported_industry="industry", dimensions="quality_mgmt",
                modes="diagnosis", problems_found=3, problems_solved=2 + i % 2)
    for i, year in enumerate(years * 3):
        TrainingRecord.objects.create(
            programme_year_id=year, certification_body=cb, district=unit(("120113", "130102")[i % 2]),
            held_on=dt.date(year, 4, 1 + i), organiser="o", topic=f"质量管理体系培训{i}", delivery="offline",
            enterprise_count=20 + i, person_count=60 + 3 * i)
    hq = hq_user()
    for code, title in (("120000", "压铸件尺寸一致性差"), ("130000", "轴承磨加工表面质量不稳")):
        services.chain_problem_save(actor=hq, province=unit(code), year=years[0], industry_chain="装备制造",
                                    title=title, measures="联合攻关", solved_on=dt.date(years[0], 6, 1))


def _english(page) -> None:
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")


def test_hq_sees_the_nations_progress(page, live_url, login_as, shot):
    _world()
    login_as(page, hq_user())
    page.locator("nav.mainnav").get_by_role("link", name="目标进度", exact=True).click()
    page.wait_for_url(re.compile(r"/targets/$"))
    table = page.get_by_test_id("targets")
    assert "精准帮扶小微企业" in table.inner_text()
    row = page.get_by_test_id("progress-000000-assisted_enterprises")
    assert "5.0万家" in row.get_by_test_id("target").inner_text()
    assert "需再帮扶约" in row.get_by_test_id("pace").inner_text()
    assert page.get_by_test_id("progress-000000-chain_problems_solved").get_by_test_id("reached").inner_text() == "2个"
    assert page.get_by_test_id("progress-000000-q_satisfaction").get_by_test_id("target").inner_text() == "90.0%"
    shot(page, "targets-hq-zh")
    page.get_by_test_id("provinces-assisted_enterprises").click()
    page.wait_for_url(re.compile(r"/provinces/$"))
    assert page.get_by_test_id("province-chart").locator("svg.bar-chart g.bar").count() == 32
    assert page.get_by_test_id("province-120000").locator("td.num").inner_text() == "8家"
    shot(page, "targets-provinces-zh")
    page.goto(f"{live_url}/targets/")
    page.select_option("#province-select", "120000")
    page.wait_for_url(re.compile(r"province=120000"))
    assert "天津市" in page.get_by_test_id("targets").inner_text()
    shot(page, "targets-hq-tianjin-zh")
    _english(page)
    assert "Progress towards the three-year plan" in page.locator("h1").inner_text()
    assert "more to assist" in page.get_by_test_id("progress-000000-assisted_enterprises").inner_text()
    shot(page, "targets-hq-tianjin-en")


def test_a_province_sets_its_own_target(page, live_url, login_as, shot):
    _world()
    login_as(page, province_user("120000"))
    page.goto(f"{live_url}/targets/")
    page.get_by_test_id("set-own-assisted_enterprises").click()
    form = page.get_by_test_id("target-form")
    assert form.locator("select[name=indicator]").input_value() == "assisted_enterprises"
    assert form.locator("input[name=last_year]").input_value() == "2027"
    form.locator("input[name=value]").fill("五百")
    form.locator("button[type=submit]").click()
    assert "目标值应为数字" in page.get_by_test_id("error-value").inner_text()
    form.locator("input[name=value]").fill("-1")
    form.locator("button[type=submit]").click()
    assert "目标值应大于0" in page.get_by_test_id("error-value").inner_text()
    shot(page, "province-target-form-error-zh")
    form.locator("input[name=value]").fill("20")
    form.locator("textarea[name=note]").fill("天津市三年行动目标：精准帮扶小微企业约20家。")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/targets/$"))
    target = Target.objects.get(org_unit__code="120000", indicator="assisted_enterprises")
    assert target.value == Decimal(20)
    own = page.get_by_test_id("progress-120000-assisted_enterprises")
    assert own.get_by_test_id("target").inner_text() == "20家"
    assert own.get_by_test_id("reached").inner_text() == "8家"  # Tianjin's 8 enterprises, each counted once
    assert own.get_by_test_id("percent").inner_text() == "40.0%"
    shot(page, "targets-province-zh")
    _english(page)
    assert "Change provincial target" in page.get_by_test_id("targets").inner_text()
    shot(page, "targets-province-en")


def test_a_province_records_a_chain_problem(page, live_url, login_as, shot):
    login_as(page, province_user("120000"))
    page.goto(f"{live_url}/targets/chain-problems/")
    form = page.get_by_test_id("chain-new")
    form.locator("select[name=year]").select_option(str(dt.date.today().year))
    form.locator("input[name=industry_chain]").fill("新能源汽车零部件")
    form.locator("input[name=title]").fill("压铸件尺寸一致性差，整车厂装配返工率高")
    form.locator("textarea[name=measures]").fill("链主企业牵头统一关键尺寸控制计划，返工率由4.1%降至1.2%。")
    form.locator("input[name=solved_on]").fill(dt.date.today().replace(day=1).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/targets/chain-problems/"))
    assert "压铸件尺寸一致性差" in page.get_by_test_id("chain-list").inner_text()
    shot(page, "chain-problems-zh")
