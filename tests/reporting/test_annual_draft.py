"""The annual report's draft: seed 000's sentences written from the catalogue for two constructed years (2022 and
2023), the ranking from the published evaluation, and every figure in the draft the catalogue's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from assessments.models import (
    Evaluation,
    EvaluationStatus,
    ExcellentCase,
    SelfAssessment,
    SelfAssessmentStatus,
    UnitResult,
)
from enterprises.models import LedgerRecord
from enterprises.questionnaire.selectors import Aggregates
from programme.models import OrgUnitLevel, PilotRegion
from reporting import indicators
from reporting.annual import builder
from reporting.annual.builder import PILOTS_KEY, build_draft
from reporting.annual.draft import Paragraph, Picture, Table
from reporting.indicators import Aggregation, Indicator, Source, compute, indicator
from tests.factories import CertificationBodyFactory, EnterpriseFactory, district_user, unit

pytestmark = pytest.mark.django_db

YEAR, LAST = 2023, 2022
COUNTRY = "000000"


def _ledger(cb, enterprise, year=YEAR):
    return LedgerRecord.objects.create(
        programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 3, 1),
        end_date=dt.date(year, 4, 1), reported_name=enterprise.name, reported_district=enterprise.district,
        reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis", certification_fee=Decimal("9000"),
        fee_reduction=Decimal("1000"))


def _sa(code, year, **figures):
    return SelfAssessment.objects.create(programme_year_id=year, unit=unit(code), status=SelfAssessmentStatus.ACCEPTED,
                                         **figures)


def _aggregates(effect_obvious, very_obvious, **metrics):
    return Aggregates(
        assisted=10, submitted=8, response_rate=80.0,
        metric_changes={"revenue": 10.2, "sales": 10.9, "profit_margin": 8.3, "quality_cost": -6.0,
                        "first_pass_yield": 5.0, "customer_satisfaction": 8.0, **metrics},
        satisfaction_rates={"training": 96.4, "cb_ability": 97.0, "cb_attitude": 97.0},
        effect_obvious_rate=effect_obvious, effect_very_obvious_rate=very_obvious, maturity_rose_rate=70.0,
        burden_rate=60.0, result_indicators={})


QUESTIONNAIRE = {YEAR: _aggregates(90.0, 51.8), LAST: _aggregates(97.0, 50.0)}
PILOT_RATE = {(COUNTRY, YEAR): 63.0, ("120000", YEAR): 40.0}


@pytest.fixture
def pilot_rate(monkeypatch):
    """The rate of the enterprises in pilot regions (another source defines it): 63.0% for the country, 40.0% for
    Tianjin. Registered for the test only, whether or not the catalogue has it yet."""
    ind = Indicator(PILOTS_KEY, "区域试点内企业提升效果非常明显率", "%", Source.QUESTIONNAIRE, "test",
                    Aggregation.RATIO)

    def source(units, years, period=False):
        return {PILOTS_KEY: {(u.code, y): PILOT_RATE.get((u.code, y)) for u in units for y in years}}

    monkeypatch.setitem(indicators._INDICATORS, PILOTS_KEY, ind)
    monkeypatch.setitem(indicators._SOURCES, PILOTS_KEY, source)


@pytest.fixture
def data(monkeypatch, pilot_rate):
    """2022 and 2023 of three provinces (Tianjin with three districts of its own), the questionnaire's results of both
    years, ledger records of 2023 only, two pilots in Tianjin, three cases (two recommended to HQ)."""
    def aggregates(units, years):  # the questionnaire's aggregates, as its selectors would give them
        return {(u.code, y): QUESTIONNAIRE[y] for u in units for y in years if y in QUESTIONNAIRE}

    monkeypatch.setattr("enterprises.questionnaire.indicators.questionnaire_aggregates", aggregates)
    _sa("120000", YEAR, incentive_policies=600, government_plan_policies=50, credit_policies=100,
        credit_support=Decimal("2000000"), fiscal_subsidies=Decimal("20000"), cross_department_policies=120,
        cbs_involved=300, training_sessions=9000, papers=400)
    _sa("130000", YEAR, incentive_policies=508, government_plan_policies=21, credit_policies=79,
        credit_support=Decimal("1200000"), fiscal_subsidies=Decimal("17000"), cross_department_policies=99,
        cbs_involved=157, training_sessions=5000, papers=297)
    _sa("140000", YEAR, incentive_policies=0, government_plan_policies=10)
    _sa("120000", LAST, incentive_policies=300)  # credit support 0 in 2022
    _sa("130000", LAST, incentive_policies=274)
    for code, plan in (("120113", 5), ("120114", 3), ("120115", 1)):
        _sa(code, YEAR, incentive_policies=plan * 2, government_plan_policies=plan)
    cb = CertificationBodyFactory()
    for code in ("120113", "120113", "120114", "130102"):
        _ledger(cb, EnterpriseFactory(district_code=code))
    for i in range(2):
        pilot = PilotRegion.objects.create(name=f"试点{i}", industry="i", province=unit("120000"), start_year=YEAR)
        pilot.districts.add(unit("120113"))
    author = district_user("120113")
    for slot, recommended in ((1, True), (2, True), (3, False)):
        ExcellentCase.objects.create(programme_year_id=YEAR, district=unit("120113"), slot=slot, title=f"案例{slot}",
                                     created_by=author, recommended_at=timezone.now() if recommended else None)


@pytest.fixture
def published():
    """HQ's 2023 evaluation, published: Tianjin and Hebei on top, Shanxi the most improved."""
    evaluation = Evaluation.objects.create(programme_year_id=YEAR, evaluator=unit(COUNTRY),
                                           unit_level=OrgUnitLevel.PROVINCE, status=EvaluationStatus.PUBLISHED,
                                           outstanding_top=2, most_improved_top=1)
    for code, rank, total, flags in (("120000", 1, "81.25", {"outstanding": True}),
                                     ("130000", 2, "75.50", {"outstanding": True}),
                                     ("140000", 3, "70.00", {"most_improved": True, "rank_change": 4})):
        UnitResult.objects.create(evaluation=evaluation, unit=unit(code), rank=rank, total=Decimal(total),
                                  expert_subtotal=Decimal(total) - 24, questionnaire_subtotal=Decimal(24), **flags)
    return evaluation


def _text(draft) -> str:
    return "\n".join(p.plain for p in draft.paragraphs())


def _assert_numbers_are_the_catalogues(draft, *, at_least):
    numbers = list(draft.numbers())
    assert len(numbers) >= at_least
    units = [unit(c) for c in {n.unit_code for n in numbers}]
    table = compute({n.key for n in numbers}, units=units, years=sorted({n.year for n in numbers}))
    written = _text(draft)
    for n in numbers:
        value = table.get(n.key, n.unit_code, n.year)
        assert n.value == value, n
        ind = indicator(n.key)
        # a change written with its own word ("质量成本控制率下降6.0%") carries its magnitude
        assert n.text in (ind.format(value), ind.format(abs(value)) if value is not None else None), n
        assert n.text in written, n
    return numbers


def test_national_draft_writes_seed_000s_sentences_from_the_catalogue(data, published):
    draft = build_draft(year=YEAR, scope=unit(COUNTRY))
    text = _text(draft)
    assert draft.title == "2023年度“小微企业质量管理体系认证提升行动”工作总结"
    assert draft.scope_name == "全国" and draft.placeholders()
    # The opening paragraph (the same words as the year's summary) with the change on the year before.
    assert "2023年，全国各地累计出台激励政策1108项，比2022年增加93%，为小微企业提供金融信贷支持320亿元，" \
           "2022年为0元，落实3.7亿元财政补贴。" in text  # 1108 on 574; credit support was 0 in 2022
    assert "小微企业实施精准帮扶（帮扶企业数上年无数据，未作比较）" in text  # no ledger in 2022
    assert "年度营收平均提升10.2%" in text and "质量成本控制率下降6.0%" in text
    # "A、B等N个省局…共计M项": the two largest of the provinces with more than 0, the country's total.
    assert "天津、河北等3个省局将提升行动纳入省委省政府政策部署共计81项" in text
    assert "天津、河北围绕小微企业融资增信需求" in text  # only two with credit policies: no "等"
    assert "出台政策激励措施达1108项，比2022年增加93%。" in text
    assert "457家认证机构" in text and "全国累计组织培训1.4万场" in text and "征集论文697篇" in text
    assert "96.4%的企业对“宣传培训”表示满意" in text
    assert "“专业能力”和“服务态度”的满意率均达97.0%" in text
    assert ("年利润率平均提升8.3%，质量成本控制率下降6.0%，产品一次交验合格率平均提升5.0%，"
            "消费者满意度平均提升8.0%") in text
    # pilots against the country: 63.0 - 51.8
    assert "2个提升行动区域试点内的企业“提升效果非常明显率”为63.0%，超过全国平均水平11.2个百分点。" in text
    # a change in points (三): 90.0 on 97.0
    assert "2023年认为提升效果明显的小微企业占比虽达90.0%，但比2022年下降7个百分点。" in text
    # the ranking from the published evaluation, and the cases recommended to HQ
    assert "排名前2的省份依次为：天津、河北；排名进步较大的省份为：山西。" in text
    assert "个地方典型经验和2个企业优良案例" in text
    ranking = next(b for b in draft.blocks if isinstance(b, Table))
    assert ranking.headers == ["排名", "单位", "总分"]
    assert ranking.rows == [["1", "天津市", "81.25"], ["2", "河北省", "75.50"], ["3", "山西省", "70.00"]]
    assert not any("评估结果尚未发布" in note for note in draft.notes)
    _assert_numbers_are_the_catalogues(draft, at_least=40)


def test_the_pictures_are_the_sub_units_sorted_bars_and_map(data, published):
    draft = build_draft(year=YEAR, scope=unit(COUNTRY))
    bars, china = draft.pictures()
    assert bars.caption == "图1  2023年各省级单位精准帮扶小微企业数"
    assert china.caption == "图2  2023年各省级单位精准帮扶小微企业数分布"
    assert bars.svg.index("天津：3家") < bars.svg.index("河北：1家")  # sorted, best first
    assert "<svg" in china.svg and "天津市：3家" in china.svg and "href" not in china.svg  # no links in a document
    assert "情况见图1、图2。" in _text(draft)
    # the pictures stand after the paragraph that points to them
    blocks = draft.blocks
    first = blocks.index(bars)
    assert isinstance(blocks[first - 1], Paragraph) and "见图1、图2" in blocks[first - 1].plain
    assert isinstance(blocks[first + 1], Picture)


def test_without_a_published_evaluation_the_draft_says_so(data, published):
    Evaluation.objects.filter(pk=published.pk).update(status=EvaluationStatus.COMPUTED)
    draft = build_draft(year=YEAR, scope=unit(COUNTRY))
    text = _text(draft)
    assert "2023年度工作成效评估结果尚未发布，评估排名待结果发布后补充。" in text
    assert "排名前" not in text and not any(isinstance(b, Table) for b in draft.blocks)
    assert any("评估结果尚未发布" in note for note in draft.notes)
    assert "各省局共推荐企业优良案例2个" in text


def test_the_first_programme_year_has_no_year_before(pilot_rate):
    _sa("120000", 2020, incentive_policies=120, credit_support=Decimal("5000"))
    draft = build_draft(year=2020, scope=unit(COUNTRY))
    text = _text(draft)
    assert "累计出台激励政策120项（2020年为提升行动首个年度，无上年数据可比），" in text
    assert text.count("无上年数据可比") == 1 and "比2019年" not in text
    assert "2020年为提升行动首个年度，无上年数据可比。" in draft.notes
    assert "出台政策激励措施达120项。" in text  # said once: the later comparisons are left out


def test_a_year_without_data_for_the_year_before_says_it_is_not_compared(data):
    SelfAssessment.objects.filter(programme_year_id=LAST).delete()
    text = _text(build_draft(year=YEAR, scope=unit(COUNTRY)))
    assert "累计出台激励政策1108项（上年无数据，未作比较）" in text
    assert "比2022年增加" not in text
    assert "比2022年下降7个百分点" in text  # the questionnaire has its 2022


def test_a_provinces_draft_names_its_districts(data):
    tianjin = unit("120000")
    draft = build_draft(year=YEAR, scope=tianjin)
    text = _text(draft)
    assert draft.title == "天津市2023年度“小微企业质量管理体系认证提升行动”工作总结"
    assert draft.scope_name == "天津市" and draft.issuer == "天津市市场监督管理局"
    first, second = unit("120113").name, unit("120114").name
    assert f"{first}、{second}等3个区县将提升行动纳入地方党委政府政策部署共计50项" in text
    assert "2023年，天津市累计出台激励政策600项，比2022年增加100%" in text
    assert "低于天津市平均水平11.8个百分点" in text  # 40.0 against 51.8
    assert "，天津市围绕小微企业融资增信需求" in text  # no district reported credit policies: the province's own
    assert "河北" not in text and "省局" not in text
    assert "各区县共推荐企业优良案例3个" in text  # its districts' cases, recommended to HQ or not
    assert any("评估结果尚未发布" in note for note in draft.notes)
    bars = draft.pictures()[0]
    assert bars.caption == "图1  2023年各区县精准帮扶小微企业数"
    assert bars.svg.index(f"{first}：2家") < bars.svg.index(f"{second}：1家")
    _assert_numbers_are_the_catalogues(draft, at_least=30)
    assert {n.unit_code for n in draft.numbers()} == {"120000"}


def test_figures_come_from_two_computes_and_progress_is_reported(data, published, monkeypatch):
    calls = []
    real = indicators.compute

    def counting(keys, *, units, years):
        calls.append((len(units), tuple(years)))
        return real(keys, units=units, years=years)

    monkeypatch.setattr(builder.indicators, "compute", counting)
    steps = []
    build_draft(year=YEAR, scope=unit(COUNTRY), progress=lambda done, total: steps.append((done, total)))
    assert calls == [(1, (LAST, YEAR)), (32, (YEAR,))]
    assert steps[-1] == (builder.STEPS, builder.STEPS) and len(steps) >= 3
    assert [d for d, _t in steps] == sorted(d for d, _t in steps)


def test_the_document_is_chinese_whatever_the_language(data, published):
    with translation.override("en"):
        text = _text(build_draft(year=YEAR, scope=unit(COUNTRY)))
    assert "比2022年增加93%" in text and " on 2022" not in text


def test_without_the_pilots_rate_in_the_catalogue_the_draft_writes_no_data(data, monkeypatch):
    monkeypatch.delitem(indicators._INDICATORS, PILOTS_KEY)
    monkeypatch.delitem(indicators._SOURCES, PILOTS_KEY)
    draft = build_draft(year=YEAR, scope=unit(COUNTRY))
    assert "2023年共有2个提升行动区域试点在试，试点内企业的“提升效果非常明显率”为—（暂无问卷数据）。" in _text(draft)
    assert all(n.key != PILOTS_KEY for n in draft.numbers())
    assert any("尚未纳入指标目录" in note for note in draft.notes)


def test_cases_recommended_counts_hqs_and_the_provinces_cases(data):
    t = compute(["cases_recommended"], units=[unit(COUNTRY), unit("120000"), unit("120113"), unit("130000")],
                years=[LAST, YEAR])
    assert t.get("cases_recommended", COUNTRY, YEAR) == 2  # recommended to HQ
    assert t.get("cases_recommended", "120000", YEAR) == 3  # recommended by its districts
    assert t.get("cases_recommended", "120113", YEAR) == 3
    assert t.get("cases_recommended", "130000", YEAR) == 0 and t.get("cases_recommended", COUNTRY, LAST) == 0

