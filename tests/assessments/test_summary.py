"""The year's summary: the figures of seed 000's first paragraph computed from the data."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from assessments.models import SelfAssessment, SelfAssessmentStatus
from assessments.reports import summary_data, summary_pdf, summary_xlsx
from enterprises.models import LedgerRecord
from enterprises.questionnaire.selectors import Aggregates
from tests.factories import CertificationBodyFactory, EnterpriseFactory, unit

pytestmark = pytest.mark.django_db


def _ledger(cb, enterprise, **values):
    fields = {f.name for f in LedgerRecord._meta.get_fields()}
    extra = {}
    if "start_date" in fields:
        extra = {"start_date": dt.date(2023, 7, 1), "end_date": dt.date(2023, 9, 1), "reported_name": enterprise.name,
                 "reported_district": enterprise.district, "reported_industry": "industry",
                 "dimensions": "quality_mgmt", "modes": "diagnosis"}
    extra.update({k: v for k, v in values.items() if k in fields})
    return LedgerRecord.objects.create(programme_year_id=2023, certification_body=cb, enterprise=enterprise, **extra)


@pytest.fixture
def data(monkeypatch):
    def aggregates(units, years):  # the questionnaire's aggregates, as its selectors would give them
        agg = Aggregates(
            assisted=10, submitted=8, response_rate=80.0,
            metric_changes={"revenue": 10.2, "sales": 10.9, "profit_margin": 8.3, "quality_cost": -6.0},
            satisfaction_rates={"training": 96.4, "cb_ability": 97.0}, effect_obvious_rate=90.0,
            effect_very_obvious_rate=63.0, maturity_rose_rate=70.0, burden_rate=60.0, result_indicators={})
        return {(u.code, 2023): agg for u in units} if 2023 in years else {}

    monkeypatch.setattr("enterprises.questionnaire.indicators.questionnaire_aggregates", aggregates)
    for code, policies, credit, subsidy in (("120000", 600, Decimal("2000000"), Decimal("20000")),
                                            ("130000", 508, Decimal("1200000"), Decimal("17000"))):
        SelfAssessment.objects.create(programme_year_id=2023, unit=unit(code), status=SelfAssessmentStatus.ACCEPTED,
                                      incentive_policies=policies, credit_support=credit, fiscal_subsidies=subsidy)
    SelfAssessment.objects.create(programme_year_id=2023, unit=unit("140000"), status=SelfAssessmentStatus.DRAFT,
                                  incentive_policies=999)  # drafts are not counted
    cb1, cb2 = CertificationBodyFactory(), CertificationBodyFactory()
    e1, e2, e3 = (EnterpriseFactory(district_code=c) for c in ("120113", "120114", "130102"))
    _ledger(cb1, e1, certification_fee=Decimal("10000"), fee_reduction=Decimal("3000"), problems_found=5,
            problems_solved=4)
    _ledger(cb2, e1, certification_fee=Decimal("8000"), fee_reduction=Decimal("0"), problems_found=2,
            problems_solved=2)
    _ledger(cb2, e2, certification_fee=Decimal("9000"), fee_reduction=Decimal("1500"))
    _ledger(cb2, e3, certification_fee=Decimal("9000"), fee_reduction=Decimal("500"))



def test_a_fall_is_written_as_a_fall_not_a_negative_rise(data, monkeypatch):
    """Revenue, sales and profit that went down read "下降3.0%", never "提升-3.0%"; a quality cost that went up reads
    "上升"."""
    falling = Aggregates(
        assisted=10, submitted=8, response_rate=80.0,
        metric_changes={"revenue": -3.0, "sales": -1.5, "profit_margin": -0.5, "quality_cost": 2.0},
        satisfaction_rates={}, effect_obvious_rate=None, effect_very_obvious_rate=None, maturity_rose_rate=None,
        burden_rate=None, result_indicators={})
    monkeypatch.setattr("enterprises.questionnaire.indicators.questionnaire_aggregates",
                        lambda units, years: {(u.code, 2023): falling for u in units} if 2023 in years else {})
    s = summary_data(year=2023, scope=unit("000000"))
    assert ("年度营收平均下降3.0%，年产品销售额下降1.5%，年利润率下降0.5%，质量成本控制率上升2.0%"
            in s.paragraph), s.paragraph
    assert "-" not in s.paragraph

def test_national_summary_figures(data):
    s = summary_data(year=2023, scope=unit("000000"))
    assert s.get("sa_incentive_policies") == 1108  # 600 + 508
    assert s.get("sa_credit_support") == Decimal("32000000000")  # 320 亿元, kept in 元
    assert s.get("sa_submitted") == 2
    assert s.get("ledger_cbs") == 2 and s.get("assisted_enterprises") == 3
    assert s.get("fee_reduced_enterprises") == 3 and s.get("fee_reduction") == Decimal("5000")
    assert (s.get("problems_found"), s.get("problems_solved")) == (7, 6)
    # Written as seed 000 writes them: "1108项", "320亿元", "3.7亿元", "5000元", one decimal for percentages.
    assert "累计出台激励政策1108项" in s.paragraph
    assert "金融信贷支持320亿元" in s.paragraph and "落实3.7亿元财政补贴" in s.paragraph
    assert "2家认证机构为3家小微企业实施精准帮扶，为3家企业减免认证费用5000元" in s.paragraph
    assert "年度营收平均提升10.2%" in s.paragraph and "质量成本控制率下降6.0%" in s.paragraph
    assert s.missing == ["培训台账"]  # no training record in this year
    wb = load_workbook(io.BytesIO(summary_xlsx(s)))
    ws = wb.active
    assert [c.value for c in ws[4]] == ["指标", "数值", "单位", "写法", "比2022年", "数据来源"]
    assert ws["B5"].value == 1108 and ws["D5"].value == "1108项"
    assert summary_pdf(s).startswith(b"%PDF")


def test_provincial_summary_counts_only_its_area(data):
    SelfAssessment.objects.create(programme_year_id=2023, unit=unit("120113"), status=SelfAssessmentStatus.SUBMITTED,
                                  incentive_policies=7)
    s = summary_data(year=2023, scope=unit("120000"))
    # A province's self-assessment figures are those it reported for its whole area (not its districts' added up).
    assert s.get("sa_incentive_policies") == 600
    assert s.get("assisted_enterprises") == 2 and s.get("ledger_cbs") == 2


def test_summary_states_the_change_on_the_year_before(data):
    SelfAssessment.objects.create(programme_year_id=2022, unit=unit("120000"), status=SelfAssessmentStatus.ACCEPTED,
                                  incentive_policies=400)
    s = summary_data(year=2023, scope=unit("000000"))
    policies = next(f for f in s.figures if f.key == "sa_incentive_policies")
    assert policies.previous == 400 and policies.change == "比2022年增加177%"  # 1108 on 400
    assisted = next(f for f in s.figures if f.key == "assisted_enterprises")
    assert assisted.previous is None and assisted.change == ""  # no 2022 ledger: no change to state
    rate = next(f for f in s.figures if f.key == "q_response_rate")
    assert rate.text == "80.0%" and rate.previous is None


def test_national_summary_command(data, tmp_path):
    call_command("national_summary", "--year", "2023", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2023_summary_000000.pdf", "2023_summary_000000.xlsx"]
