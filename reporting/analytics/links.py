"""Where a figure's records are: the existing lists, filtered to the unit where they can be, else the unit page."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse as django_reverse

from programme.models import OrgUnit, OrgUnitLevel

LEDGER_KEYS = frozenset({"assisted_enterprises", "ledger_cbs", "ledger_records", "fee_reduced_enterprises",
                         "fee_reduction", "problems_found", "problems_solved", "problems_solved_rate"})
TRAINING_KEYS = frozenset({"training_sessions", "trained_enterprises", "trained_persons"})
PILOT_KEYS = frozenset({"pilot_regions", "pilot_regions_deployed", "pilot_filings", "pilot_filing_rate"})


@lru_cache(maxsize=512)
def reverse(name: str, args: tuple[object, ...] = ()) -> str:
    """``django.urls.reverse`` kept per name and arguments: a dashboard links a few hundred bars to a handful of
    addresses (the URL configuration does not change while the process runs)."""
    return django_reverse(name, args=list(args))


def _with(url: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


def unit_page(unit: OrgUnit) -> str:
    return reverse("programme:unit_detail", args=(unit.code,))


def ledger_list(unit: OrgUnit, year: int) -> str:
    district = "" if unit.level == OrgUnitLevel.COUNTRY else unit.code
    return _with(reverse("enterprises:ledger_list"), year=year, district=district)


def training_list(unit: OrgUnit, year: int) -> str:
    district = "" if unit.level == OrgUnitLevel.COUNTRY else unit.code
    return _with(reverse("enterprises:training_list"), year=year, district=district)


def questionnaire(unit: OrgUnit, year: int, *, has_version: bool) -> str:
    """The questionnaire's figures of the unit (its aggregates page takes the unit); the unit page when the year
    has no questionnaire."""
    if not has_version:
        return unit_page(unit)
    return _with(reverse("questionnaire:aggregates", args=(year,)),
                 unit="" if unit.level == OrgUnitLevel.COUNTRY else unit.code)


def pilots(unit: OrgUnit, year: int) -> str:
    """The pilot list of the year, searched by the province's name (the list filters by province name only); a
    district's pilots are on its unit page."""
    if unit.level == OrgUnitLevel.COUNTRY:
        return _with(reverse("programme:pilot_list"), year=year)
    if unit.level == OrgUnitLevel.PROVINCE:
        return _with(reverse("programme:pilot_list"), year=year, q=unit.name)
    return unit_page(unit)


def self_assessment(unit: OrgUnit, year: int, pk: int | None) -> str:
    if pk is not None:
        return reverse("assessments:self_detail", args=(pk,))
    return _with(reverse("assessments:index"), year=year)


def records(key: str, unit: OrgUnit, year: int, *, has_questionnaire: bool = True,
            self_assessment_pk: int | None = None) -> str:
    """The records behind indicator ``key`` for ``unit`` in ``year``."""
    if key in LEDGER_KEYS:
        return ledger_list(unit, year)
    if key in TRAINING_KEYS:
        return training_list(unit, year)
    if key in PILOT_KEYS:
        return pilots(unit, year)
    if key.startswith("q_"):
        return questionnaire(unit, year, has_version=has_questionnaire)
    if key.startswith("sa_"):
        return self_assessment(unit, year, self_assessment_pk)
    return unit_page(unit)
