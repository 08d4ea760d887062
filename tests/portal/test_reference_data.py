from decimal import Decimal

import pytest
from django.core.management import call_command

from enterprises.models import Industry, SizeClass
from enterprises.registry.sizing import classify
from programme.models import OrgUnit, OrgUnitLevel, ProgrammeYear

pytestmark = pytest.mark.django_db


def test_32_provincial_units_including_xpcc():
    provinces = OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)
    assert provinces.count() == 32
    names = set(provinces.values_list("name", flat=True))
    assert {"天津市", "河北省", "新疆维吾尔自治区", "新疆生产建设兵团"} <= names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区"}


def test_tianjin_has_its_16_districts_including_beichen():
    tianjin = OrgUnit.objects.get(code="120000")
    districts = tianjin.children.filter(level=OrgUnitLevel.DISTRICT)
    assert districts.count() == 16
    beichen = districts.get(code="120113")
    assert beichen.name == "北辰区"
    assert beichen.full_name == "天津市北辰区"
    assert beichen.path == "000000/120000/120113/"


def test_hierarchy_is_consistent():
    for unit in OrgUnit.objects.select_related("parent"):
        if unit.parent is None:
            assert unit.level == OrgUnitLevel.COUNTRY
        else:
            assert unit.path == f"{unit.parent.path}{unit.code}/"
    # Every county-level unit is under a province (directly or through a city).
    assert not OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, parent__level=OrgUnitLevel.COUNTRY).exists()
    assert OrgUnit.objects.get(code="659001").parent.code == "660000"  # 石河子市 under the XPCC
    assert OrgUnit.objects.get(code="441900").level == OrgUnitLevel.DISTRICT  # 东莞: no counties below


def test_loading_again_changes_nothing(capsys):
    before = list(OrgUnit.objects.order_by("code").values_list("code", "path", "parent_id"))
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out
    assert list(OrgUnit.objects.order_by("code").values_list("code", "path", "parent_id")) == before


def test_programme_years_from_2020_with_phases_and_deadlines():
    y2024 = ProgrammeYear.objects.get(year=2024)
    assert ProgrammeYear.objects.order_by("year").first().year == 2020
    assert [p.kind for p in y2024.phases.order_by("starts_on")] == ["deployment", "assistance", "evaluation"]
    sa = y2024.deadlines.get(kind="self_assessment")
    assert sa.due_at.astimezone().date().isoformat() in ("2024-10-30", "2024-10-31")


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "expected"),
    [
        (Industry.MANUFACTURING, 15, Decimal("5000"), SizeClass.MICRO),  # fewer than 20 employees
        (Industry.MANUFACTURING, 50, Decimal("200"), SizeClass.MICRO),  # revenue below 300万
        (Industry.MANUFACTURING, 20, Decimal("300"), SizeClass.SMALL),  # both lower bounds of "small"
        (Industry.MANUFACTURING, 299, Decimal("1999"), SizeClass.SMALL),
        (Industry.MANUFACTURING, 300, Decimal("1999"), SizeClass.SMALL),  # medium needs both bounds
        (Industry.MANUFACTURING, 300, Decimal("2000"), SizeClass.MEDIUM),
        (Industry.MANUFACTURING, 1000, Decimal("40000"), SizeClass.LARGE),
        (Industry.RETAIL, 9, Decimal("50000"), SizeClass.MICRO),
        (Industry.RETAIL, 10, Decimal("100"), SizeClass.SMALL),
        (Industry.MANUFACTURING, None, Decimal("100"), SizeClass.MICRO),  # revenue alone proves micro
        (Industry.MANUFACTURING, None, Decimal("500"), SizeClass.UNKNOWN),  # cannot tell without employees
    ],
)
def test_nbs_2017_size_classification(industry, employees, revenue, expected):
    assert classify(industry=industry, employees=employees, revenue=revenue) == expected
