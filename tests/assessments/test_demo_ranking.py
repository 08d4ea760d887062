"""The demo's 2023 national evaluation is seed 000's: its top ten in order and its five most improved provinces,
with the questionnaire part of every score computed from the demo's own questionnaire answers."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import transaction

from assessments import scoring
from assessments.models import Evaluation, EvaluationStatus, IndicatorItem, ReferenceIndicator, UnitResult
from assessments.questionnaire_adapter import figures_by_unit
from assessments.reports import score_sheet_data

SEED_000_TOP_TEN = ["浙江省", "江苏省", "河北省", "山东省", "山西省", "上海市", "湖北省", "福建省", "辽宁省", "河南省"]
SEED_000_MOST_IMPROVED = ["四川省", "陕西省", "甘肃省", "江西省", "天津市"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, seeded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--scale", "demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield
        transaction.set_rollback(True)


def _national(year: int) -> Evaluation:
    return Evaluation.objects.get(programme_year_id=year, evaluator__code="000000")


def test_2023_top_ten_is_seed_000s_in_order(demo, db):
    evaluation = _national(2023)
    assert evaluation.status == EvaluationStatus.PUBLISHED
    results = list(UnitResult.objects.filter(evaluation=evaluation).select_related("unit").order_by("rank"))
    assert len(results) == 32
    assert [r.unit.name for r in results[:10]] == SEED_000_TOP_TEN
    assert [r.rank for r in results[:10]] == list(range(1, 11))  # no ties
    assert [r.unit.name for r in results if r.outstanding] == SEED_000_TOP_TEN


def test_2023_most_improved_are_seed_000s_five(demo, db):
    sheet = score_sheet_data(evaluation=_national(2023))
    improved = sheet.most_improved()  # as the score sheet and the reports list them
    assert [r.unit.name for r in improved] == SEED_000_MOST_IMPROVED
    # "Most improved" is the largest rises on 2022's published ranking: nobody else rose as much.
    lowest_rise = min(r.rank_change for r in improved)
    others = [r for r in sheet.results if not r.most_improved and r.rank_change is not None]
    assert all(r.rank_change < lowest_rise for r in others)
    assert all(r.previous_rank is not None and r.rank_change > 0 for r in improved)
    # They rose from the lower half of 2022 to just below the top ten.
    assert all(r.previous_rank > 16 and 10 < r.rank <= 15 for r in improved)


def test_2023_questionnaire_part_is_computed_from_the_demo_answers(demo, db):
    evaluation = _national(2023)
    results = {r.unit.code: r for r in UnitResult.objects.filter(evaluation=evaluation).select_related("unit")}
    units = list(evaluation.evaluated_units())
    figures = figures_by_unit(year=2023, units=units)
    assert set(figures) >= set(results)
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=2023).select_related("area"))
    specs = [scoring.ItemSpec(code=i.code, area=i.area.number, method=i.method, weight=i.weight,
                              scale_max=i.scale_max) for i in items]
    keys = list(ReferenceIndicator.objects.filter(item__scheme__programme_year_id=2023).exclude(result_key="")
                .order_by("item__order", "number").values_list("result_key", flat=True))
    recomputed = scoring.score_units(items=specs, unit_codes=list(results), expert_scores={}, figures=figures,
                                     result_keys=keys)
    for code, result in results.items():
        assert result.questionnaire_subtotal == recomputed[code].questionnaire_subtotal, code
        assert not any("no questionnaire data" in note for note in result.notes), code
    parts = {r.questionnaire_subtotal for r in results.values()}
    assert len(parts) > 20  # it differs between units (not the floor of 60 for everyone)
    assert max(parts) - min(parts) > 5


def test_every_published_year_has_a_questionnaire_part_that_differs_between_units(demo, db):
    published = Evaluation.objects.filter(status=EvaluationStatus.PUBLISHED).order_by("programme_year_id")
    years = sorted({e.programme_year_id for e in published})
    assert years[0] == 2020 and len(years) >= 6
    for evaluation in published:
        parts = set(UnitResult.objects.filter(evaluation=evaluation).values_list("questionnaire_subtotal", flat=True))
        assert len(parts) > 5, (evaluation.programme_year_id, evaluation.evaluator_id)


def test_2022_ranking_follows_its_own_answers_too(demo, db):
    """2022 (the base of 2023's rank changes) is published, its risers low and its top ten the same ten."""
    results = list(UnitResult.objects.filter(evaluation=_national(2022)).select_related("unit").order_by("rank"))
    assert {r.unit.name for r in results[:10]} == set(SEED_000_TOP_TEN)
    assert all(r.rank > 25 for r in results if r.unit.name in SEED_000_MOST_IMPROVED)


def test_the_2023_draft_from_the_demo_states_seed_000s_ranking_and_figures(demo, db):
    from programme.models import OrgUnit
    from reporting.annual.builder import build_draft

    draft = build_draft(year=2023, scope=OrgUnit.objects.get(code="000000"))
    text = "\n".join(p.plain for p in draft.paragraphs())
    assert "排名前10的省份依次为：浙江、江苏、河北、山东、山西、上海、湖北、福建、辽宁、河南；" in text
    assert "排名进步较大的省份为：四川、陕西、甘肃、江西、天津。" in text
    assert "26个企业优良案例" in text  # the demo's recommended cases are seed 000's
    assert "出台激励政策1108项，比2022年增加93%" in text
    assert "金融信贷支持320亿元" in text
    assert not [n for n in draft.notes if "尚未发布" in n]
