"""The adapter between the questionnaire's public selectors and the scoring."""

from __future__ import annotations

import pytest

from assessments.questionnaire_adapter import figures_by_unit, questionnaire_available, unit_figures
from tests.factories import unit


def test_unit_figures_from_the_questionnaire_aggregates():
    from enterprises.questionnaire.selectors import Aggregates

    agg = Aggregates(
        assisted=10, submitted=8, response_rate=80.0, metric_changes={"revenue": 10.2},
        satisfaction_rates={"training": 90.0, "cb_ability": 100.0, "cb_attitude": None, "policy": 80.0,
                            "follow_up": 70.0},
        effect_obvious_rate=90.0, effect_very_obvious_rate=60.0, maturity_rose_rate=50.0, burden_rate=60.0,
        result_indicators={"operating": 75.0, "quality": None},
    )
    figures = unit_figures(agg)
    assert figures.satisfaction == 85.0  # mean of 90, 100, 80, 70 (no answer is left out)
    assert figures.result_indicators == {"operating": 75.0, "quality": None}


@pytest.mark.django_db
def test_evaluation_scores_questionnaire_items_from_the_real_selectors():
    from assessments.models import UnitResult
    from assessments.services import evaluation_compute, evaluation_ensure
    from tests.factories import EnterpriseFactory, hq_user
    from tests.questionnaire.factories import assist, response

    assert questionnaire_available()
    results = ["res_operating", "res_quality", "res_qm_level", "res_credit_brand", "res_digital", "res_lasting"]
    sats = ["sat_training", "sat_cb_ability", "sat_cb_attitude", "sat_policy", "sat_follow_up"]
    for code, yes, sat in (("120113", True, 5), ("120114", True, 5), ("130102", False, 2)):
        enterprise = EnterpriseFactory(district_code=code)
        assist(enterprise)
        response(enterprise, **dict.fromkeys(results, yes), **dict.fromkeys(sats, sat))
    figures = figures_by_unit(year=2024, units=[unit("120000"), unit("130000"), unit("140000")])
    assert figures["120000"].result_indicators["operating"] == 100.0 and figures["120000"].satisfaction == 100.0
    assert figures["130000"].result_indicators["digital"] == 0.0 and figures["130000"].satisfaction == 0.0
    assert figures["140000"].satisfaction is None

    hq = hq_user()
    evaluation = evaluation_ensure(actor=hq, year=2024, evaluator=unit("000000"))
    evaluation_compute(actor=hq, evaluation=evaluation)
    subtotal = dict(UnitResult.objects.filter(evaluation=evaluation)
                    .values_list("unit__code", "questionnaire_subtotal"))
    # 天津 best on every figure -> 100 -> 30 + 10; 河北 worst -> 60 -> 18 + 6; 山西 no data -> 60 -> 24
    assert (subtotal["120000"], subtotal["130000"], subtotal["140000"]) == (40, 24, 24)
