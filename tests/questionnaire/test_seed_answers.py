"""The demo's questionnaire answers: deterministic whatever the time of seeding, following each unit's standing,
and calibrated to the figures the seeds state."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from enterprises.questionnaire.models import QuestionnaireVersion, ResponseStatus
from enterprises.questionnaire.seed import attainable, attainable_size, calibrate, generate_responses
from enterprises.questionnaire.services import questionnaire_defaults_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    questionnaire_defaults_load()
    return QuestionnaireVersion.objects.get(programme_year_id=2024)


def test_answers_do_not_depend_on_when_the_seed_runs(version):
    start = dt.datetime(2024, 11, 1, 9, tzinfo=timezone.get_default_timezone())
    ids = list(range(1, 201))
    one = generate_responses(rng=random.Random(7), version=version, enterprise_ids=ids,
                             window=(start, start + dt.timedelta(days=3, seconds=17)))
    two = generate_responses(rng=random.Random(7), version=version, enterprise_ids=ids,
                             window=(start, start + dt.timedelta(days=3, minutes=41)))
    assert [r.answers for r in one] == [r.answers for r in two]
    assert all(start <= r.submitted_at <= start + dt.timedelta(days=3, minutes=41) for r in two)


def test_a_better_placed_unit_answers_better(version):
    ids = list(range(1, 1501))
    strong = generate_responses(rng=random.Random(1), version=version, enterprise_ids=ids,
                                standing=dict.fromkeys(ids, 1.0))
    weak = generate_responses(rng=random.Random(1), version=version, enterprise_ids=ids,
                              standing=dict.fromkeys(ids, 0.0))

    def share(rows, column):
        return sum(1 for r in rows if getattr(r, column)) / len(rows)

    for column in ("res_operating", "res_quality", "res_qm_level", "res_credit_brand", "res_digital", "res_lasting"):
        assert share(strong, column) > share(weak, column) + 0.15, column
    satisfied = {name: sum(1 for r in rows if r.sat_training >= 4) for name, rows in (("strong", strong),
                                                                                      ("weak", weak))}
    assert satisfied["strong"] > satisfied["weak"]


def test_calibration_meets_the_stated_figures(version):
    ids = list(range(1, 501))
    rows = generate_responses(rng=random.Random(3), version=version, enterprise_ids=ids)
    calibrate(rng=random.Random(3), version=version, rows=rows,
              targets={"revenue": 10.2, "quality_cost": -6.0, "effect_obvious": 90.0, "sat_training": 96.4})
    submitted = [r for r in rows if r.status == ResponseStatus.SUBMITTED]
    assert round(sum(r.chg_revenue for r in submitted) / len(submitted), 1) == 10.2
    assert round(sum(r.chg_quality_cost for r in submitted) / len(submitted), 1) == -6.0
    assert sum(1 for r in submitted if r.effect >= 3) == 450
    assert sum(1 for r in submitted if r.sat_training >= 4) == 482
    # The answers and their derived columns agree.
    assert all(str(r.effect) == r.answers["effect"] and str(r.sat_training) == r.answers["sat_training"]
               for r in submitted)


def test_attainable_sizes():
    assert attainable(500, [(90.0, 0.05), (51.8, 0.05)]) and not attainable(55, [(63.0, 0.05)])
    assert attainable_size(55, [(63.0, 0.05)]) == 54  # 34 of 54 = 62.96 %
