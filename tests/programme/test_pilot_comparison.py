"""Pilot enterprises against all enterprises (questionnaire "effect very obvious" rate, metric changes).

The figures come from the questionnaire module's public interface; expected numbers are worked out by hand
in the comments. If the questionnaire module is not installed the test is skipped (the screen then says so).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from enterprises.questionnaire.pilot_comparison import pilot_enterprises
from programme.models import PilotRegion
from programme.pilot_comparison import pilot_comparison  # the hook the questionnaire fills
from tests.factories import CertificationBodyFactory, EnterpriseFactory, hq_user, province_user

from .factories import make_pilot

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def data():
    pytest.importorskip("enterprises.questionnaire.selectors")
    qf = pytest.importorskip("tests.questionnaire.factories")
    from enterprises.questionnaire.seed import minimal_ledger_record

    pilot = make_pilot("电动自行车", ("120113", "120114"))
    cb = CertificationBodyFactory()

    def enterprise(district: str, pilot_text: str, **answers):
        e = EnterpriseFactory(district_code=district)
        record = minimal_ledger_record(enterprise=e, year=YEAR, certification_body_id=cb.pk)
        record.pilot_region = pilot_text
        record.save()
        qf.response(e, YEAR, **answers)
        return e

    e = {
        # In the pilot: in its districts and the ledger names it (by industry, or by full name).
        "P1": enterprise("120113", "电动自行车", effect=4, chg_revenue=10),
        "P2": enterprise("120114", "天津市电动自行车产业区域试点", effect=3, chg_revenue=20),
        # Not in the pilot: ledger names no pilot; or names it but lies outside its districts.
        "N1": enterprise("120113", "", effect=3, chg_revenue=0),
        "N2": enterprise("130102", "电动自行车", effect=1, chg_revenue=-10),
    }
    return pilot, e


def test_pilot_membership_rule(data):
    pilot, e = data
    members = set(pilot_enterprises(pilots=[pilot], year=YEAR).values_list("pk", flat=True))
    assert members == {e["P1"].pk, e["P2"].pk}


def test_pilots_against_everyone(data):
    comparison = pilot_comparison(user=hq_user(), year=YEAR)
    # Pilots: P1 very obvious, P2 not -> 1/2 = 50 %. Everyone: P1 only of four -> 25 %. Gap 25 points.
    assert comparison.pilots.effect_very_obvious_rate == pytest.approx(50.0)
    assert comparison.everyone.effect_very_obvious_rate == pytest.approx(25.0)
    assert comparison.effect_gap == pytest.approx(25.0)
    # Revenue change: pilots (10 + 20) / 2 = 15; everyone (10 + 20 + 0 - 10) / 4 = 5; gap 10.
    revenue = next(k for k in comparison.metric_keys if "revenue" in k)
    assert comparison.pilots.metric_changes[revenue] == pytest.approx(15.0)
    assert comparison.everyone.metric_changes[revenue] == pytest.approx(5.0)
    assert comparison.metric_gaps()[revenue] == pytest.approx(10.0)
    assert [r.label for r in comparison.per_pilot] == [PilotRegion.objects.get().name]


def test_another_province_compares_only_its_own_pilots(data):
    comparison = pilot_comparison(user=province_user("130000"), year=YEAR)
    assert comparison.per_pilot == []
    assert comparison.pilots.effect_very_obvious_rate is None


def test_comparison_page(data, login):
    response = login(hq_user()).get(reverse("programme:pilot_comparison"), {"year": YEAR})
    assert response.status_code == 200
    assert "25.0" in response.content.decode()
