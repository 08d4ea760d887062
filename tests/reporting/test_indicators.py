"""The indicator catalogue: each figure defined once, computed set-based for any units and years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import SelfAssessment, SelfAssessmentStatus
from enterprises.models import LedgerRecord, TrainingRecord
from programme.models import OrgUnit, OrgUnitLevel, PilotRegion
from reporting.indicators import Aggregation, Better, Source, catalogue, compute, indicator
from tests.factories import CertificationBodyFactory, EnterpriseFactory, unit

pytestmark = pytest.mark.django_db


def _ledger(cb, enterprise, year=2023, **values):
    return LedgerRecord.objects.create(
        programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 7, 1),
        end_date=dt.date(year, 9, 1), reported_name=enterprise.name, reported_district=enterprise.district,
        reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis", **values)


def _training(cb, district, year, enterprises, persons, topic="t"):
    return TrainingRecord.objects.create(
        programme_year_id=year, certification_body=cb, district=unit(district), held_on=dt.date(year, 8, 1),
        organiser="o", topic=topic, delivery="offline", enterprise_count=enterprises, person_count=persons)


@pytest.fixture
def data():
    cb1, cb2 = CertificationBodyFactory(), CertificationBodyFactory()
    e1, e2, e3 = (EnterpriseFactory(district_code=c) for c in ("120113", "120114", "130102"))
    _ledger(cb1, e1, certification_fee=Decimal("10000"), fee_reduction=Decimal("3000"), problems_found=5,
            problems_solved=4)
    _ledger(cb2, e1, certification_fee=Decimal("8000"), fee_reduction=Decimal("0"), problems_found=2,
            problems_solved=2)
    _ledger(cb2, e2, certification_fee=Decimal("9000"), fee_reduction=Decimal("1500"))
    _ledger(cb2, e3, certification_fee=Decimal("9000"), fee_reduction=Decimal("500"))
    _ledger(cb1, e3, year=2022, certification_fee=Decimal("9000"), fee_reduction=Decimal("700"))
    _training(cb1, "120113", 2023, 10, 30)
    _training(cb2, "130102", 2023, 5, 12)
    _training(cb2, "130102", 2022, 4, 8)
    for code, policies, credit, late in (("120000", 600, Decimal("2000000"), False),
                                         ("130000", 508, Decimal("1200000"), True)):
        SelfAssessment.objects.create(programme_year_id=2023, unit=unit(code), status=SelfAssessmentStatus.ACCEPTED,
                                      incentive_policies=policies, credit_support=credit, is_late=late)
    SelfAssessment.objects.create(programme_year_id=2023, unit=unit("140000"), status=SelfAssessmentStatus.DRAFT,
                                  incentive_policies=999)
    pilot = PilotRegion.objects.create(name="p", industry="i", province=unit("120000"), start_year=2022)
    pilot.districts.add(unit("120113"))


def test_every_indicator_is_fully_defined():
    keys = [i.key for i in catalogue()]
    assert len(keys) == len(set(keys)) and len(keys) > 40
    for ind in catalogue():
        assert str(ind.name) and str(ind.formula) and ind.unit
        assert ind.source in Source.values and ind.aggregation in Aggregation.values and ind.better in Better.values


def test_figures_by_province_and_year(data):
    country, tianjin, hebei = unit("000000"), unit("120000"), unit("130000")
    t = compute([i.key for i in catalogue()], units=[country, tianjin, hebei], years=[2022, 2023])
    assert t.get("assisted_enterprises", "000000", 2023) == 3  # e1 counted once though two CBs assisted it
    assert t.get("assisted_enterprises", "120000", 2023) == 2
    assert t.get("ledger_cbs", "000000", 2023) == 2 and t.get("ledger_cbs", "130000", 2023) == 1
    assert t.get("fee_reduced_enterprises", "000000", 2023) == 3
    assert t.get("fee_reduction", "000000", 2023) == Decimal("5000")
    assert t.get("fee_reduction", "000000", 2022) == Decimal("700")
    assert t.get("problems_solved_rate", "120000", 2023) == pytest.approx(600 / 7)
    assert t.get("problems_solved_rate", "130000", 2023) is None  # nothing found: no data, not 0%
    assert t.get("trained_persons", "000000", 2023) == 42 and t.get("trained_persons", "130000", 2022) == 8
    assert t.get("training_sessions", "120000", 2022) is None  # no record: no data
    assert t.get("sa_incentive_policies", "000000", 2023) == 1108  # the draft is not counted
    assert t.get("sa_incentive_policies", "120000", 2023) == 600
    assert t.get("sa_credit_support", "000000", 2023) == Decimal("32000000000")  # 万元 kept as 元
    assert t.get("sa_on_time_rate", "000000", 2023) == 50.0
    assert t.get("sa_submitted", "140000", 2023) is None or t.get("sa_submitted", "140000", 2023) == 0
    assert t.get("pilot_regions", "000000", 2023) == 1 and t.get("pilot_regions", "130000", 2023) == 0
    assert t.get("pilot_regions", "000000", 2021) is None  # a year not asked for


def test_districts_at_different_depths(data):
    """A province's districts sit under cities or directly under it: each counts its own subtree."""
    districts = list(OrgUnit.objects.filter(code__in=["120113", "120114", "130102"]))
    t = compute(["assisted_enterprises", "trained_enterprises", "pilot_regions"], units=districts, years=[2023])
    assert t.get("assisted_enterprises", "120113", 2023) == 1
    assert t.get("assisted_enterprises", "130102", 2023) == 1
    assert t.get("trained_enterprises", "120113", 2023) == 10
    assert t.get("pilot_regions", "120113", 2023) == 1 and t.get("pilot_regions", "120114", 2023) == 0


def test_levels_a_figure_does_not_exist_at_are_no_data(data):
    t = compute(["evaluation_rank"], units=[unit("000000")], years=[2023])
    assert t.get("evaluation_rank", "000000", 2023) is None
    assert not indicator("evaluation_rank").applies_to(OrgUnitLevel.COUNTRY)


def test_queries_do_not_grow_with_the_units(data):
    keys = ["assisted_enterprises", "trained_persons"]
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE))
    with CaptureQueriesContext(connection) as few:
        compute(keys, units=[unit("000000"), *provinces[:2]], years=[2022, 2023])
    with CaptureQueriesContext(connection) as many:
        compute(keys, units=[unit("000000"), *provinces], years=list(range(2020, 2027)))
    assert len(many) == len(few)


def test_a_plan_period_counts_an_enterprise_assisted_in_two_years_once(data):
    from reporting.indicators import compute_period

    p = compute_period(["assisted_enterprises", "fee_reduction", "trained_persons", "pilot_regions",
                        "problems_solved_rate", "evaluation_rank"],
                       units=[unit("000000"), unit("130000")], years=[2022, 2023])
    assert p["assisted_enterprises"]["000000"] == 3  # e3 was assisted in 2022 and 2023
    assert p["assisted_enterprises"]["130000"] == 1
    assert p["fee_reduction"]["000000"] == Decimal("5700")  # money adds up over the years
    assert p["trained_persons"]["130000"] == 20
    assert p["pilot_regions"]["000000"] == 1
    assert p["problems_solved_rate"]["000000"] == pytest.approx(600 / 7)  # a rate: the last year's
    assert p["evaluation_rank"]["000000"] is None


def test_per_certification_body_within_a_unit_by_the_same_aggregates(data):
    from programme.models import CertificationBody
    from reporting.indicators import compute_by_body

    tianjin = unit("120000")
    by_body = compute_by_body(["assisted_enterprises", "fee_reduction", "trained_persons", "q_submitted",
                               "sa_incentive_policies"], unit=tianjin, years=[2023])
    assert "sa_incentive_policies" not in by_body  # no breakdown per body: not offered
    ids = {cb.name: cb.pk for cb in CertificationBody.objects.all()}
    assisted = {b: v for (b, _y), v in by_body["assisted_enterprises"].items()}
    assert sorted(assisted.values()) == [1, 2]  # cb2 assisted e1 and e2 in Tianjin, cb1 only e1
    whole = compute(["assisted_enterprises", "fee_reduction"], units=[tianjin], years=[2023])
    assert sum(v for v in by_body["fee_reduction"].values()) == whole.get("fee_reduction", "120000", 2023)
    assert sum(assisted.values()) > whole.get("assisted_enterprises", "120000", 2023)  # e1 is counted by both CBs
    assert all(v == 0 for v in by_body["q_submitted"].values())  # nobody answered
    assert len(ids) == 2 and set(assisted) <= set(ids.values())
