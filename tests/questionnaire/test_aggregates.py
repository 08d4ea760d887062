"""Every aggregate on a small data set whose expected figures are worked out by hand (see comments)."""

from __future__ import annotations

import pytest

from enterprises.models import Enterprise
from enterprises.questionnaire.selectors import (
    aggregates_by_unit,
    aggregates_for_enterprises,
    national_aggregates,
)
from programme.models import OrgUnit, OrgUnitLevel
from tests.factories import CertificationBodyFactory, EnterpriseFactory

from .factories import YEAR, assist, response

pytestmark = pytest.mark.django_db

approx = pytest.approx


@pytest.fixture
def data():
    """北辰 120113: A, B submitted; C no answer; D draft. 武清 120114: E submitted; F submitted but not on
    any ledger (ignored). 河北 130102: G submitted. A is on two CBs' ledgers (counted once)."""
    e = {k: EnterpriseFactory(district_code=code) for k, code in
         [("A", "120113"), ("B", "120113"), ("C", "120113"), ("D", "120113"), ("E", "120114"), ("F", "120114"),
          ("G", "130102")]}
    for key in "ABCDEG":
        assist(e[key])
    assist(e["A"], cb=CertificationBodyFactory())
    response(e["A"], chg_revenue=10, chg_defect_rate=-2, sat_training=5, sat_cb_ability=4, effect=4,
             maturity_before=1, maturity_after=2, burden=True, res_operating=True, res_digital=False)
    response(e["B"], chg_revenue=30, chg_defect_rate=-1, sat_training=3, sat_cb_ability=5, effect=3,
             maturity_before=2, maturity_after=2, burden=False, res_operating=False, res_digital=True)
    response(e["D"], submitted=False, chg_revenue=999, sat_training=1, effect=1)
    response(e["E"], chg_revenue=500, sat_training=4, effect=2, maturity_before=1, maturity_after=3, burden=True,
             res_operating=True)
    response(e["F"], chg_revenue=-50, sat_training=1, effect=1)
    response(e["G"], chg_revenue=-150, sat_training=1, effect=1, maturity_before=3, maturity_after=4)
    return e


def units(*codes):
    return [OrgUnit.objects.get(code=c) for c in codes]


def test_district(data):
    a = aggregates_by_unit(year=YEAR, units=units("120113"))["120113"]
    assert (a.assisted, a.submitted) == (4, 2)  # A B C D assisted; A B submitted (D is a draft)
    assert a.response_rate == approx(50.0)
    assert a.metric_changes["revenue"] == approx(20.0)  # (10 + 30) / 2
    assert a.metric_changes["defect_rate"] == approx(-1.5)  # (-2 - 1) / 2
    assert a.metric_changes["sales"] is None
    assert a.satisfaction_rates["training"] == approx(50.0)  # 5 yes, 3 no
    assert a.satisfaction_rates["cb_ability"] == approx(100.0)  # 4, 5
    assert a.satisfaction_rates["policy"] is None
    assert a.effect_obvious_rate == approx(100.0)  # 4, 3
    assert a.effect_very_obvious_rate == approx(50.0)  # only A
    assert a.maturity_rose_rate == approx(50.0)  # A 1→2 rose, B 2→2 not
    assert a.burden_rate == approx(50.0)
    assert a.result_indicators["operating"] == approx(50.0)
    assert a.result_indicators["digital"] == approx(50.0)
    assert a.result_indicators["quality"] is None
    assert set(a.result_indicators) == {"operating", "quality", "qm_level", "credit_brand", "digital", "lasting"}


def test_province_covers_its_districts_and_caps_outliers(data):
    t = aggregates_by_unit(year=YEAR, units=units("120000"))["120000"]
    assert (t.assisted, t.submitted) == (5, 3)  # F is not on a ledger
    assert t.response_rate == approx(60.0)
    assert t.metric_changes["revenue"] == approx(80.0)  # (10 + 30 + min(500, 200)) / 3
    assert t.metric_changes["defect_rate"] == approx(-1.5)  # E did not answer it
    assert t.satisfaction_rates["training"] == approx(200 / 3)  # A 5, B 3, E 4 -> 2 of 3
    assert t.effect_obvious_rate == approx(200 / 3)  # 4, 3, 2
    assert t.effect_very_obvious_rate == approx(100 / 3)
    assert t.maturity_rose_rate == approx(200 / 3)  # A, E rose
    assert t.burden_rate == approx(200 / 3)
    assert t.result_indicators["operating"] == approx(200 / 3)
    assert t.result_indicators["digital"] == approx(50.0)  # E left it empty


def test_national_and_other_provinces(data):
    n = national_aggregates(year=YEAR)
    assert (n.assisted, n.submitted) == (6, 4)
    assert n.response_rate == approx(400 / 6)
    assert n.metric_changes["revenue"] == approx(35.0)  # (10 + 30 + 200 - 100) / 4, G capped at -100
    assert n.satisfaction_rates["training"] == approx(50.0)  # A, E of 4
    assert n.effect_obvious_rate == approx(50.0)
    assert n.effect_very_obvious_rate == approx(25.0)
    assert n.maturity_rose_rate == approx(75.0)  # A, E, G of A, B, E, G
    assert n.burden_rate == approx(200 / 3)  # G did not answer
    by_unit = aggregates_by_unit(year=YEAR, units=units("130000", "110000", "120114"))
    assert by_unit["130000"].response_rate == approx(100.0)
    assert by_unit["130000"].metric_changes["revenue"] == approx(-100.0)
    empty = by_unit["110000"]
    assert (empty.assisted, empty.submitted, empty.response_rate, empty.effect_obvious_rate) == (0, 0, None, None)
    assert by_unit["120114"].assisted == 1 and by_unit["120114"].submitted == 1  # E only, not F


def test_other_year_is_empty(data):
    assert national_aggregates(year=2023).submitted == 0


def test_set_of_enterprises(data):
    chosen = Enterprise.objects.filter(pk__in=[data[k].pk for k in "ABEF"])
    s = aggregates_for_enterprises(year=YEAR, enterprises=chosen)
    assert (s.assisted, s.submitted) == (3, 3)  # F neither assisted nor counted
    assert s.response_rate == approx(100.0)
    assert s.metric_changes["revenue"] == approx(80.0)


def test_all_provinces_in_constant_queries(data, django_assert_max_num_queries):
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE))
    assert len(provinces) == 32
    with django_assert_max_num_queries(2):
        result = aggregates_by_unit(year=YEAR, units=provinces)
    assert len(result) == 32
    assert result["120000"].submitted == 3
    country = OrgUnit.objects.get(code="000000")
    with django_assert_max_num_queries(2):  # the nation is the sum of its provincial units
        mixed = aggregates_by_unit(year=YEAR, units=[country, *provinces])
    assert mixed["000000"] == national_aggregates(year=YEAR)
    assert mixed["000000"].submitted == 4 and mixed["120000"].submitted == 3
