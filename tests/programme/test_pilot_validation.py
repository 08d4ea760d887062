"""The annex-3 sheet's rules, at model, database and service level; the submit/review/lock workflow."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programme.models import PilotFiling, PilotFilingStatus, PilotStatistics
from programme.services import (
    deadline_exception_grant,
    pilot_create,
    pilot_filing_review,
    pilot_filing_save,
    pilot_filing_submit,
)
from tests.factories import district_user, province_user, unit

from .factories import YEAR, close_deadline, make_pilot, open_deadline, report_texts, valid_statistics

pytestmark = pytest.mark.django_db


_names = itertools.count(1)


def _stats(**overrides) -> PilotStatistics:
    pilot = make_pilot(name=f"校验试点{next(_names)}")
    filing = PilotFiling.objects.create(pilot=pilot, programme_year_id=YEAR)
    return PilotStatistics(filing=filing, **valid_statistics(**overrides))


def _errors(stats: PilotStatistics) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        stats.full_clean()
    return exc.value.message_dict


def test_a_complete_valid_sheet_passes():
    _stats().full_clean()


@pytest.mark.parametrize(("field", "value", "larger"), [
    ("participating_enterprises", 201, "区域小微企业总数（家）"),
    ("trained_enterprises", 61, "参与提升行动区域试点的小微企业数量（家）"),
    ("assisted_enterprises", 61, "参与提升行动区域试点的小微企业数量（家）"),
    ("pain_points_solved", 13, "梳理发现质量管理共性“痛点”数量（个）"),
])
def test_counts_may_not_exceed_their_population(field, value, larger):
    errors = _errors(_stats(**{field: value}))
    assert field in errors
    assert larger in errors[field][0]
    assert str(value) in errors[field][0]


def test_equal_counts_are_allowed():
    _stats(participating_enterprises=200, trained_enterprises=200, assisted_enterprises=200,
           leader_deployed_enterprises=200, qms_enterprises=200, high_tech_enterprises=200).full_clean()


@pytest.mark.parametrize("value", [Decimal("100.01"), Decimal("-0.01")])
def test_percentages_are_between_0_and_100(value):
    errors = _errors(_stats(customer_satisfaction_after=value))
    assert errors["customer_satisfaction_after"] == ["百分比应在 0 到 100 之间。"]


def test_percent_bounds_are_inclusive():
    _stats(pass_rate_before=Decimal("0"), pass_rate_after=Decimal("100")).full_clean()


def test_before_after_pairs_must_be_complete():
    errors = _errors(_stats(first_pass_rate_after=None))
    assert "一次合格率" in errors["first_pass_rate_after"][0]
    errors = _errors(_stats(export_value_before=None))
    assert "区域产业出口产值变化" in errors["export_value_before"][0]


def test_an_unreported_pair_is_fine():
    _stats(gdp_share_before=None, gdp_share_after=None).full_clean()


@pytest.mark.parametrize("field", ["matching_funds", "output_value_before"])
def test_amounts_are_not_negative(field):
    errors = _errors(_stats(**{field: Decimal("-1")}))
    assert errors[field] == ["不能为负数。"]


@pytest.mark.parametrize("field", ["quality_awards_national", "quality_awards_county", "demo_zones_provincial",
                                   "participants_experts"])
def test_per_level_counts_are_not_negative(field):
    assert field in _errors(_stats(**{field: -1}))


def test_the_database_holds_the_rules_too():
    stats = _stats(participating_enterprises=201)
    with pytest.raises(IntegrityError), transaction.atomic():
        stats.save()
    stats = _stats(pass_rate_before=Decimal("90"), pass_rate_after=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        stats.save()


def test_pilot_districts_must_lie_in_its_province():
    with pytest.raises(ValidationError) as exc:
        pilot_create(actor=None, name="跨省试点", industry="地毯", province=unit("120000"),
                     districts=[unit("120114"), unit("130102")], start_year=2024)
    assert "130102" not in str(exc.value) and "长安区" in str(exc.value)
    with pytest.raises(PermissionDenied):
        pilot_create(actor=province_user("130000"), name="他省试点", industry="地毯", province=unit("120000"),
                     districts=[unit("120114")], start_year=2024)


# ---- workflow --------------------------------------------------------------------------------------------


@pytest.fixture
def pilot():
    open_deadline()
    return make_pilot()


def test_service_rejects_bad_figures_with_a_named_field(pilot):
    with pytest.raises(ValidationError) as exc:
        pilot_filing_save(actor=district_user("120113"), pilot=pilot, year=YEAR,
                          statistics=valid_statistics(trained_enterprises=999))
    assert "trained_enterprises" in exc.value.message_dict
    assert not PilotStatistics.objects.exists()


def test_submit_needs_both_annexes(pilot):
    actor = district_user("120113")
    filing = pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, statistics=valid_statistics())
    with pytest.raises(ValidationError) as exc:
        pilot_filing_submit(actor=actor, filing=filing)
    assert any("一、背景需求" in m for m in exc.value.messages)
    assert len(exc.value.messages) == 6  # the six sections of annex 2
    pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, sections=report_texts())
    filing = pilot_filing_submit(actor=actor, filing=filing)
    assert filing.status == PilotFilingStatus.SUBMITTED and not filing.is_late


def test_province_accepts_or_returns_with_comments(pilot):
    actor = district_user("120114")
    filing = pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, statistics=valid_statistics(),
                               sections=report_texts())
    pilot_filing_submit(actor=actor, filing=filing)
    tianjin = province_user("120000")
    with pytest.raises(ValidationError):
        pilot_filing_review(actor=tianjin, filing=filing, accept=False, comment="  ")
    with pytest.raises(PermissionDenied):
        pilot_filing_review(actor=district_user("120113"), filing=filing, accept=True)
    with pytest.raises(PermissionDenied):
        pilot_filing_review(actor=province_user("130000"), filing=filing, accept=True)
    filing = pilot_filing_review(actor=tianjin, filing=filing, accept=False, comment="投诉率口径有误")
    assert filing.status == PilotFilingStatus.RETURNED
    # Returned: editable and submittable again; then accepted, and locked.
    pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, statistics={"complaint_rate_after": Decimal("1.5")})
    pilot_filing_submit(actor=actor, filing=filing)
    filing = pilot_filing_review(actor=tianjin, filing=filing, accept=True)
    assert filing.status == PilotFilingStatus.ACCEPTED
    with pytest.raises(PermissionDenied):
        pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, sections={"problems": "改"})


def test_after_the_deadline_the_sheet_is_locked_and_an_exception_makes_it_late(pilot):
    actor = district_user("120113")
    filing = pilot_filing_save(actor=actor, pilot=pilot, year=YEAR, statistics=valid_statistics(),
                               sections=report_texts())
    deadline = close_deadline()
    with pytest.raises(PermissionDenied) as exc:
        pilot_filing_submit(actor=actor, filing=filing)
    assert "截止" in str(exc.value)
    deadline_exception_grant(actor=province_user("120000"), deadline=deadline, org_unit=unit("120113"),
                             open_until=timezone.now() + dt.timedelta(days=3), reason="补报")
    filing = pilot_filing_submit(actor=actor, filing=filing)
    assert filing.status == PilotFilingStatus.SUBMITTED and filing.is_late
    # The exception was for 北辰 only: 武清 stays locked.
    with pytest.raises(PermissionDenied):
        pilot_filing_save(actor=district_user("120114"), pilot=pilot, year=YEAR, sections={"problems": "x"})


def test_only_the_pilots_districts_fill_it(pilot):
    with pytest.raises(PermissionDenied):
        pilot_filing_save(actor=district_user("120111"), pilot=pilot, year=YEAR, statistics=valid_statistics())
    with pytest.raises(PermissionDenied):
        pilot_filing_save(actor=province_user("120000"), pilot=pilot, year=YEAR, statistics=valid_statistics())
