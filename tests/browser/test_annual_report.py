"""The annual report in Chromium: HQ starts the national draft, watches the job and downloads the DOCX (and the PDF);
a province does the same for its districts. In Chinese, and the page in English."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from assessments.models import SelfAssessment, SelfAssessmentStatus
from enterprises.models import LedgerRecord
from tests.factories import CertificationBodyFactory, EnterpriseFactory, hq_user, province_user, unit

pytestmark = pytest.mark.browser

YEAR = 2023


def _world() -> None:
    cb = CertificationBodyFactory()
    for i, district in enumerate(("120113", "120114", "130102", "120113")):
        enterprise = EnterpriseFactory(district_code=district)
        for year in (YEAR - 1, YEAR)[: 1 + i % 2]:
            LedgerRecord.objects.create(
                programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 3, 1),
                end_date=dt.date(year, 5, 1), reported_name=enterprise.name, reported_district=enterprise.district,
                reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis",
                fee_reduction=Decimal("2000"))
    for code, policies in (("120000", 31), ("130000", 52), ("120113", 4), ("120114", 2)):
        for year in (YEAR - 1, YEAR):
            SelfAssessment.objects.create(programme_year_id=year, unit=unit(code),
                                          status=SelfAssessmentStatus.SUBMITTED,
                                          incentive_policies=policies + (year - YEAR + 1) * 3,
                                          government_plan_policies=2)


def _draft(page, shot, name: str) -> str:
    page.locator("nav.mainnav").get_by_role("link", name="年度工作总结", exact=True).click()
    page.wait_for_url(re.compile(r"/annual-report/$"))
    page.select_option("[data-testid=annual-year]", str(YEAR))
    shot(page, f"{name}-start-zh")
    page.get_by_test_id("annual-start").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.locator("#job-status[data-status=done]").wait_for(timeout=90_000)
    assert page.get_by_test_id("job-progress").get_attribute("value") == "100"
    shot(page, f"{name}-job-done-zh")
    with page.expect_download() as info:
        page.get_by_test_id("job-link-1").click()
    assert info.value.suggested_filename == f"{YEAR}_annual_report_{'000000' if name == 'hq' else '120000'}.docx"
    doc = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    with page.expect_download() as pdf:
        page.get_by_test_id("job-link-2").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    return "\n".join(p.text for p in doc.paragraphs)


def test_hq_drafts_the_national_report(page, live_url, login_as, shot):
    _world()
    login_as(page, hq_user())
    text = _draft(page, shot, "hq")
    assert f"{YEAR}年度" in text and "工作总结" in text
    assert "89项" in text  # the country's incentive policies in 2023 (34 + 55)
    page.goto(f"{live_url}/annual-report/")
    assert page.get_by_test_id("annual-reports").locator("tbody tr").count() == 1
    shot(page, "hq-list-zh")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Annual report" in page.locator("h1").inner_text()
    shot(page, "hq-list-en")


def test_a_province_drafts_its_report_for_its_districts(page, live_url, login_as, shot):
    _world()
    login_as(page, province_user("120000"))
    text = _draft(page, shot, "province")
    assert "天津" in text and "河北" not in text
