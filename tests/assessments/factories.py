"""Helpers to build evaluations, assignments and scores for the assessments tests."""

from __future__ import annotations

from decimal import Decimal

from assessments import services
from assessments.models import Evaluation, ExpertAssignment, ExpertScore, IndicatorItem, Method
from tests.factories import expert_user, hq_user, unit


def hq_evaluation(year: int = 2024, actor=None) -> Evaluation:
    return services.evaluation_ensure(actor=actor or hq_user(), year=year, evaluator=unit("000000"))


def province_evaluation(code: str = "120000", year: int = 2024, actor=None) -> Evaluation:
    from tests.factories import province_user

    return services.evaluation_ensure(actor=actor or province_user(code), year=year, evaluator=unit(code))


def expert_items(year: int) -> list[IndicatorItem]:
    return list(IndicatorItem.objects.filter(scheme__programme_year_id=year, method=Method.EXPERT).order_by("order"))


def give_scores(evaluation: Evaluation, unit_code: str, scores: list[float], expert=None) -> None:
    """One expert per score; each scores every expert item with the same value (bulk, bypassing the form)."""
    items = expert_items(evaluation.programme_year_id)
    for value in scores:
        who = expert or expert_user()
        assignment, _ = ExpertAssignment.objects.get_or_create(evaluation=evaluation, expert=who, unit=unit(unit_code))
        for item in items:
            ExpertScore.objects.update_or_create(assignment=assignment, item=item,
                                                 defaults={"score": Decimal(str(value)), "comment": "评语"})
