"""Whose figures a page shows: the user's own unit, its sub-units, the programme years, and the checks on what a
request asks for (an indicator, a year, a unit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

from portal.figures import Figures
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.services import role_of
from programme.models import OrgUnit, OrgUnitLevel, programme_years_to_date
from reporting.indicators import Indicator, Table, catalogue, figures, indicator

if TYPE_CHECKING:
    from portal.models import User

STAFF = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})
COUNTRY = "000000"
# GB/T 2260 lists them as provincial units, but they take no part in the programme (the map draws them grey).
OUTSIDE_PROGRAMME = frozenset({"710000", "810000", "820000"})


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and role_of(user) in STAFF)


def require_staff(user: User) -> None:
    """HQ, provincial and district staff only; anyone else is told the page does not exist (as elsewhere)."""
    if not is_staff(user):
        raise Http404


def home_unit(user: User) -> OrgUnit:
    """The unit whose figures the user sees by default: the country for HQ, the bureau's own unit otherwise."""
    if role_of(user) == Role.HQ:
        return OrgUnit.objects.get(code=COUNTRY)
    if user.org_unit is None:
        raise Http404
    return user.org_unit


def sub_units(unit: OrgUnit) -> list[OrgUnit]:
    """The units a dashboard, map or small-multiples page breaks ``unit`` into: the country into its provincial
    units (the 31 provinces and XPCC), a province into its districts (county-level units, under cities or
    directly), a district into nothing."""
    if unit.level == OrgUnitLevel.COUNTRY:
        qs = OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE, is_active=True).exclude(code__in=OUTSIDE_PROGRAMME)
    elif unit.level in (OrgUnitLevel.PROVINCE, OrgUnitLevel.CITY):
        qs = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True, path__startswith=unit.path)
    else:
        return []
    return list(qs.order_by("code"))


def family_figures(unit: OrgUnit, subs: list[OrgUnit] | None = None) -> Figures[Table]:
    """Every catalogue figure of ``unit`` and its sub-units in every programme year, as one table. The dashboard
    panel, the map, the trends and the small multiples of the unit and of its sub-units all read it: they agree with
    each other, show the same "统计时间" and share one computation, which the worker refreshes while they are read
    (for the country: 33 units × every year, about as long as one page's figures computed on their own).
    ``subs``: ``sub_units(unit)`` where the caller has them already."""
    subs = sub_units(unit) if subs is None else subs
    return figures([ind.key for ind in catalogue()], units=[unit, *subs], years=programme_years())


def unit_for(user: User, code: str | None) -> OrgUnit:
    """The unit a request names (its code), or the user's own; a unit the user may not see is a 404."""
    code = (code or "").strip()
    if not code:
        return home_unit(user)
    return get_visible_or_404(OrgUnit.objects.all(), user, code=code)


def programme_years() -> list[int]:
    """The programme years from 2020 to the current one (those in the reference data)."""
    return programme_years_to_date() or [timezone.localdate().year]


def current_year() -> int:
    return programme_years()[-1]


@dataclass(frozen=True)
class Choice:
    """What a request asked for, after the checks: the indicator (None when unknown) and the year, with the
    message to show instead of figures when the request cannot be answered."""

    indicator: Indicator | None
    year: int
    message: str = ""


def parse_year(value: str | None, years: list[int]) -> tuple[int, bool]:
    """The year asked for, or the current one; the flag is False when the request named a year that is not a
    programme year (the page says so and shows the current year)."""
    if not value:
        return years[-1], True
    try:
        year = int(str(value).strip())
    except ValueError:
        return years[-1], False
    if year not in years:
        return years[-1], False
    return year, True


def applicable(level: str) -> list[Indicator]:
    """The catalogue's indicators that exist for units of ``level``."""
    return [ind for ind in catalogue() if ind.applies_to(level)]


def find_indicator(key: str | None, default: str) -> Indicator | None:
    return indicator((key or "").strip() or default)
