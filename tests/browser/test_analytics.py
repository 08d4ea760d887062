"""Analytics in the browser: HQ's dashboard with bars and the China map, a province's district map, the trend page and
the small multiples, in Chinese and in English (screenshots under artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import SelfAssessment, SelfAssessmentStatus
from enterprises.models import LedgerRecord, TrainingRecord
from programme.models import OrgUnit, OrgUnitLevel
from tests.factories import CertificationBodyFactory, EnterpriseFactory, hq_user, province_user

pytestmark = pytest.mark.browser

YEAR = timezone.localdate().year
# provincial unit -> enterprises assisted (this year, last year)
PROVINCES = {"120000": (9, 6), "130000": (6, 6), "110000": (4, 2), "310000": (7, 3), "440000": (8, 5),
             "510000": (3, 4), "650000": (2, 1), "660000": (1, 0)}


def _districts(code: str, n: int) -> list[OrgUnit]:
    """``n`` districts spread over the province (every k-th by code)."""
    units = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True,
                                        path__startswith=f"000000/{code}/").order_by("code"))
    step = max(len(units) // n, 1)
    return units[::step][:n]


@pytest.fixture
def programme_data(live_url):
    cbs = [CertificationBodyFactory(name=f"华信认证{i}") for i in range(3)]
    records, trainings = [], []
    for code, (now, before) in PROVINCES.items():
        districts = _districts(code, 4) or _districts(code, 1)
        for year, count in ((YEAR, now), (YEAR - 1, before), (YEAR - 2, max(before - 2, 0))):
            for i in range(count):
                district = districts[i % len(districts)]
                enterprise = EnterpriseFactory(district_code=district.code)
                records.append(LedgerRecord(
                    programme_year_id=year, certification_body=cbs[i % 3], enterprise=enterprise,
                    start_date=dt.date(year, 3, 1), end_date=dt.date(year, 4, 1), reported_name=enterprise.name,
                    reported_district=district, reported_industry="制造业", dimensions="quality_mgmt",
                    modes="diagnosis", certification_fee=Decimal("20000"), fee_reduction=Decimal(1500 * (i + 1))))
            if count:
                trainings.append(TrainingRecord(
                    programme_year_id=year, certification_body=cbs[0], district=districts[0],
                    held_on=dt.date(year, 3, 1), organiser="市场监管局", topic=f"质量管理体系{year}",
                    delivery="offline", enterprise_count=count * 3, person_count=count * 25))
    LedgerRecord.objects.bulk_create(records)
    TrainingRecord.objects.bulk_create(trainings)
    for code, late in (("120000", False), ("130000", True), ("310000", False)):
        SelfAssessment.objects.create(programme_year_id=YEAR, unit=OrgUnit.objects.get(code=code),
                                      status=SelfAssessmentStatus.SUBMITTED, is_late=late)


def _english(page):
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")


def test_hq_dashboard_with_bars_and_the_china_map(page, login_as, shot, programme_data):
    login_as(page, hq_user())
    panel = page.get_by_test_id("analytics-panel")
    panel.wait_for()
    bars = panel.locator('[data-key="assisted_enterprises"] svg g.bar')
    assert bars.count() == OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).exclude(
        code__in=["710000", "810000", "820000"]).count()
    assert bars.first.locator("title").text_content() == "天津市：9家"  # sorted, best first
    assert page.get_by_test_id("dashboard-map").locator("svg").count() == 1
    total = page.get_by_test_id("completeness-total").inner_text()
    assert "按时2 · 逾期1" in total
    panel.scroll_into_view_if_needed()
    shot(page, "zh")
    # a bar leads to the records behind it
    with page.expect_navigation():
        bars.first.locator("a").click()
    assert "/enterprises/ledger/" in page.url and "district=120000" in page.url
    page.go_back()
    _english(page)
    page.get_by_test_id("analytics-panel").wait_for()
    assert "Enterprises given precise assistance" in page.get_by_test_id("dashboard-bars").inner_text()
    assert "On time" in page.get_by_test_id("completeness").inner_text()
    shot(page, "en")


def test_map_of_china_and_of_a_province(page, login_as, shot, programme_data):
    login_as(page, hq_user())
    page.goto(f"{page.base_url}/analytics/map/?indicator=assisted_enterprises&year={YEAR}")
    svg = page.get_by_test_id("map").locator("svg")
    svg.wait_for()
    html = svg.evaluate("e => e.outerHTML")
    for code in ("710000", "810000", "820000", "660000"):
        assert code in html
    rows = page.get_by_test_id("map-table").locator("tbody tr")
    assert rows.first.get_attribute("data-code") == "120000"
    shot(page, "china-zh")
    # another indicator through the form (a GET form: works without scripts)
    page.select_option("select[name=indicator]", "trained_persons")
    with page.expect_navigation():
        page.get_by_test_id("map-form").locator("button[type=submit]").click()
    assert "indicator=trained_persons" in page.url
    assert "天津市" in page.get_by_test_id("map-table").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("map-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.context.clear_cookies()
    login_as(page, province_user("120000"))
    page.goto(f"{page.base_url}/analytics/map/?indicator=assisted_enterprises")
    page.get_by_test_id("map").locator("svg").wait_for()
    codes = [c for c in page.get_by_test_id("map-table").locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)") if c]
    assert codes and all(c.startswith("12") for c in codes)
    assert "河北省" not in page.content()
    shot(page, "tianjin-zh")
    _english(page)
    assert "Data map" in page.get_by_test_id("analytics-title").inner_text()
    page.get_by_test_id("map").locator("svg").wait_for()
    shot(page, "tianjin-en")


def test_trends_and_small_multiples(page, login_as, shot, programme_data):
    login_as(page, hq_user())
    page.goto(f"{page.base_url}/analytics/trends/?indicator=assisted_enterprises&unit=120000")
    page.get_by_test_id("trend-chart").locator("svg").wait_for()
    assert "9家" in page.get_by_test_id("trend-current").inner_text()
    assert f"比{YEAR - 1}年增加50%" in page.get_by_test_id("trend-change").inner_text()  # 6 → 9
    assert page.get_by_test_id("trends-table").locator("tbody tr").count() > 20
    shot(page, "trend-zh")
    page.goto(f"{page.base_url}/analytics/trends/units/?indicator=assisted_enterprises")
    cards = page.get_by_test_id("multiples").locator("a.multiple")
    assert cards.first.get_attribute("data-code") == "120000"
    shot(page, "multiples-zh")
    _english(page)
    assert "up 50% on" in page.get_by_test_id("multiples").inner_text()
    shot(page, "multiples-en")
    page.goto(f"{page.base_url}/analytics/trends/?indicator=trained_persons&unit=000000")
    page.get_by_test_id("trend-chart").locator("svg").wait_for()
    assert re.search(r"(up|down) [\d.]+% on", page.get_by_test_id("trend-change").inner_text())
    shot(page, "trend-en")
