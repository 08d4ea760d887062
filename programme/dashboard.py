"""What the programme shows on the dashboards (portal.dashboard panels) and the hook of the unit page.

- ``calendar_panel`` (slot "calendar"): the current programme year, its phase and next deadline, for every role.
- ``unit_counts_panel`` (slot "counts", first): the provincial units and districts in the user's scope, and the
  certification bodies — except for provincial and district bureaus, whose CB tile counts the bodies active in
  their area, a ledger figure the enterprises app contributes (``enterprises.dashboard``).
- ``@unit_figures``: a feature adds figures to the unit page (``programme:unit_detail``) without programme
  importing it; e.g. the enterprises app's count of the unit's enterprises (``enterprise_count``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import Tile, dashboard_panel
from portal.figures import cached_figures, recompute, refreshable, scope_of, wide_scope
from portal.roles import Role
from portal.services import role_of

from .models import CertificationBody, Deadline, OrgUnit, OrgUnitLevel, Phase, ProgrammeYear

if TYPE_CHECKING:
    from portal.models import User

COUNT_ROLES = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB})  # dashboards with count tiles
UNIT_ROLES = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})  # ... and with the units' tiles among them


@dataclass(frozen=True)
class Calendar:
    year: ProgrammeYear | None
    phase: Phase | None
    next_deadline: Deadline | None


def programme_calendar() -> Calendar:
    """The current programme year (this calendar year, else the latest), its phase and next deadline."""
    today = timezone.localdate()
    year = ProgrammeYear.objects.filter(year__lte=today.year).order_by("-year").first()
    if year is None:
        return Calendar(None, None, None)
    return Calendar(year, year.current_phase(), year.next_deadline())


@dashboard_panel(slot="calendar")
def calendar_panel(request: HttpRequest) -> dict[str, Any] | None:
    return {"template": "portal/_calendar.html", "calendar": programme_calendar()}


def cb_counted_by_ledger(user: User) -> bool:
    """Provincial and district bureaus see the CBs active in their area (those with ledger records for its
    enterprises), which the enterprises app counts; everyone else the CBs of the registry."""
    return user.role in {Role.PROVINCE, Role.DISTRICT} and user.org_unit is not None


def unit_counts(*, user: User) -> dict[str, int]:
    units = OrgUnit.objects.visible_to(user)
    counts = {
        "provinces": units.filter(level=OrgUnitLevel.PROVINCE).count(),
        "districts": units.filter(level=OrgUnitLevel.DISTRICT).count(),
    }
    if user.role == Role.CB:
        counts["certification_bodies"] = 1
    elif not cb_counted_by_ledger(user):
        counts["certification_bodies"] = CertificationBody.objects.visible_to(user).count()
    return counts


@refreshable
def _unit_counts_of(user_id: int) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    return unit_counts(user=get_user_model().objects.get(pk=user_id))


@dashboard_panel(slot="counts", order=10)
def unit_counts_panel(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    role = role_of(user)
    if role not in COUNT_ROLES:
        return None
    # Kept for a minute for HQ and provincial users, live for the others. The role is part of the key as well as
    # the scope: the counts branch on it (a superuser whose role is "cb" sees every row, yet its CB tile counts one).
    figures = cached_figures("dashboard:programme", scope_of(user), user.role,
                             compute=recompute(_unit_counts_of, user.pk), live=not wide_scope(user))
    counts = figures.value
    tiles = []
    if role in UNIT_ROLES:
        tiles += [Tile("provinces", counts["provinces"], _("省级单位")),
                  Tile("districts", counts["districts"], _("区县"))]
    if "certification_bodies" in counts:
        label = _("本机构") if role == Role.CB else _("认证机构") if role == Role.HQ else _("参与帮扶的认证机构")
        tiles.append(Tile("certification_bodies", counts["certification_bodies"], label, key="cbs"))
    return {"tiles": tiles, "as_of": figures.as_of}


UnitFigures = Callable[[Any, OrgUnit], dict[str, Any]]
_UNIT_FIGURES: list[UnitFigures] = []


def unit_figures(func: UnitFigures) -> UnitFigures:
    """Register ``func(user, unit) -> dict``: its items join the unit page's context (the unit is one the user
    may see)."""
    if func not in _UNIT_FIGURES:
        _UNIT_FIGURES.append(func)
    return func


def unit_figures_for(user: User, unit: OrgUnit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for func in _UNIT_FIGURES:
        out.update(func(user, unit))
    return out
