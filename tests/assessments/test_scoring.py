"""Scoring on small examples whose expected numbers were worked out by hand (see comments)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments.scoring import (
    ItemSpec,
    UnitFigures,
    UnitScore,
    apply_flags,
    assign_ranks,
    efficacy_scores,
    robust_mean,
    score_units,
)

D = Decimal

ITEMS = [
    ItemSpec(code="e1", area=1, method="expert", weight=D("40")),
    ItemSpec(code="results", area=2, method="questionnaire", weight=D("40")),
    ItemSpec(code="satisfaction", area=2, method="questionnaire", weight=D("20")),
]


def test_robust_mean_drops_extremes_only_from_five_experts():
    assert robust_mean([80, 90, 70, 60, 100]) == 80  # drop 100 and 60 -> (70+80+90)/3
    assert robust_mean([90, 70]) == 80  # fewer than five: plain mean
    assert robust_mean([50, 60, 70, 80]) == 65
    assert robust_mean([]) is None


def test_efficacy_coefficient_range_all_equal_and_missing():
    assert efficacy_scores({"A": 10, "B": 20, "C": 15}) == {"A": 60, "B": 100, "C": 80}
    assert efficacy_scores({"A": 50, "B": 50}) == {"A": 100, "B": 100}
    assert efficacy_scores({"A": 10, "B": None}) == {"A": 100, "B": 60}
    assert efficacy_scores({"A": None}) == {"A": 60}


def test_hand_computed_example():
    expert = {
        ("A", "e1"): [80, 90, 70, 60, 100],  # 5 experts -> 80 -> 40 x 0.80 = 32.00
        ("B", "e1"): [90, 70],  # -> 80 -> 32.00
        ("C", "e1"): [55, 60, 72],  # -> 62.333.. -> 40 x 0.62333 = 24.933 -> 24.93
    }
    figures = {
        # result a: A 10 -> 60, B 20 -> 100, C missing -> 60; result b: all 50 -> 100 each
        # results raw: A (60+100)/2 = 80 -> 32.00; B 100 -> 40.00; C 80 -> 32.00
        # satisfaction: A 90 -> 100 -> 20.00; B 80 -> 60 -> 12.00; C missing -> 60 -> 12.00
        "A": UnitFigures(result_indicators={"a": 10, "b": 50}, satisfaction=90),
        "B": UnitFigures(result_indicators={"a": 20, "b": 50}, satisfaction=80),
        "C": UnitFigures(result_indicators={"a": None, "b": 50}, satisfaction=None),
    }
    scores = score_units(items=ITEMS, unit_codes=["A", "B", "C"], expert_scores=expert, figures=figures,
                         result_keys=["a", "b"])
    a, b, c = scores["A"], scores["B"], scores["C"]
    assert a.item_points == {"e1": D("32.00"), "results": D("32.00"), "satisfaction": D("20.00")}
    assert b.item_points == {"e1": D("32.00"), "results": D("40.00"), "satisfaction": D("12.00")}
    assert c.item_points == {"e1": D("24.93"), "results": D("32.00"), "satisfaction": D("12.00")}
    assert (a.total, b.total, c.total) == (D("84.00"), D("84.00"), D("68.93"))
    assert a.area_points == {1: D("32.00"), 2: D("52.00")}
    assert (c.expert_subtotal, c.questionnaire_subtotal) == (D("24.93"), D("44.00"))
    assert a.expert_counts == {"e1": 5}
    assert "satisfaction: no questionnaire data" in c.notes

    ranked = assign_ranks(scores.values())
    # A and B tie on total (84), questionnaire (52) and expert (32): they share rank 1, listed by code.
    assert [(u.code, u.rank) for u in ranked] == [("A", 1), ("B", 1), ("C", 3)]


def test_expert_scale_other_than_100_is_rescaled():
    items = [ItemSpec(code="e1", area=1, method="expert", weight=D("20"), scale_max=D("10"))]
    scores = score_units(items=items, unit_codes=["A"], expert_scores={("A", "e1"): [7, 8]}, figures={},
                         result_keys=[])
    assert scores["A"].item_points["e1"] == D("15.00")  # mean 7.5 of 10 -> 75% of 20 points


def test_unit_without_expert_scores_gets_zero_and_a_note():
    scores = score_units(items=ITEMS[:1], unit_codes=["A"], expert_scores={}, figures={}, result_keys=[])
    assert scores["A"].total == D("0.00")
    assert scores["A"].notes == ["e1: no expert score"]


def _u(code, total, q, e):
    return UnitScore(code=code, total=D(total), questionnaire_subtotal=D(q), expert_subtotal=D(e))


def test_tie_break_questionnaire_then_expert_then_shared_rank():
    units = [
        _u("120000", "80.00", "50.00", "30.00"),
        _u("130000", "80.00", "45.00", "35.00"),  # same total, lower questionnaire subtotal -> behind
        _u("110000", "80.00", "50.00", "30.00"),  # identical to 120000 -> shares its rank, listed first by code
        _u("140000", "80.00", "45.00", "34.00"),  # same total and questionnaire as 130000, lower expert
        _u("150000", "90.00", "10.00", "80.00"),
    ]
    ranked = assign_ranks(units)
    assert [(u.code, u.rank) for u in ranked] == [
        ("150000", 1), ("110000", 2), ("120000", 2), ("130000", 4), ("140000", 5)]


def test_rank_change_most_improved_and_outstanding():
    ranked = assign_ranks([_u("A", "90", "0", "0"), _u("B", "80", "0", "0"), _u("C", "70", "0", "0"),
                           _u("D", "60", "0", "0"), _u("E", "50", "0", "0")])
    # last year: A 4, B 1, C 5, D 2, E (new) -> changes A +3, B -1, C +2, D -2, E none
    apply_flags(ranked, previous_ranks={"A": 4, "B": 1, "C": 5, "D": 2}, outstanding_top=2, most_improved_top=1)
    by = {u.code: u for u in ranked}
    assert [by[c].rank_change for c in "ABCDE"] == [3, -1, 2, -2, None]
    assert [c for c in "ABCDE" if by[c].most_improved] == ["A"]
    assert [c for c in "ABCDE" if by[c].outstanding] == ["A", "B"]


def test_flags_need_every_expert_item_scored():
    ranked = assign_ranks([_u("A", "90", "0", "0"), _u("B", "80", "0", "0")])
    ranked[0].expert_counts = {"e1": 3, "e2": 0}
    ranked[1].expert_counts = {"e1": 2, "e2": 1}
    apply_flags(ranked, previous_ranks={"A": 5, "B": 4}, outstanding_top=2, most_improved_top=2)
    assert [(u.code, u.outstanding, u.most_improved) for u in ranked] == [("A", False, False), ("B", True, True)]


def test_most_improved_ties_go_to_the_better_current_rank():
    ranked = assign_ranks([_u("A", "90", "0", "0"), _u("B", "80", "0", "0"), _u("C", "70", "0", "0")])
    apply_flags(ranked, previous_ranks={"A": 2, "B": 3, "C": 1}, outstanding_top=0, most_improved_top=1)
    # A and B both rose by 1: A (rank 1) wins over B (rank 2)
    assert [u.code for u in ranked if u.most_improved] == ["A"]


@pytest.mark.parametrize("scores,expected", [([1, 2, 3, 4, 5, 6], 3.5), ([10, 10, 10, 10, 10], 10)])
def test_robust_mean_more(scores, expected):
    assert robust_mean(scores) == expected
