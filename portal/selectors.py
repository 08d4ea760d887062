"""Reads for the dashboards: counts in the user's scope and the programme calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from enterprises.models import Enterprise, LedgerRecord
from programme.models import CertificationBody, Deadline, OrgUnit, OrgUnitLevel, Phase, ProgrammeYear

from .figures import Figures, cached_figures, scope_of, wide_scope


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


def dashboard_figures(*, user: Any) -> Figures[dict[str, int]]:
    """``dashboard_counts`` for the dashboard: kept for a minute for HQ and provincial users (national and
    provincial counts scan the whole ledger), live for everyone else."""
    # The role is part of the key as well as the scope: dashboard_counts also branches on it (a superuser whose
    # role is "cb" sees every row, yet its CB tile counts one).
    return cached_figures("dashboard", scope_of(user), user.role, compute=lambda: dashboard_counts(user=user),
                          live=not wide_scope(user))


def dashboard_counts(*, user: Any) -> dict[str, int]:
    units = OrgUnit.objects.visible_to(user)
    counts = {
        "provinces": units.filter(level=OrgUnitLevel.PROVINCE).count(),
        "districts": units.filter(level=OrgUnitLevel.DISTRICT).count(),
        "enterprises": Enterprise.objects.visible_to(user).count(),
        "ledger_records": LedgerRecord.objects.visible_to(user).count(),
    }
    if user.role == "cb":
        counts["certification_bodies"] = 1
    elif user.role in {"province", "district"} and user.org_unit is not None:
        # CBs active in the area: those with ledger records for its enterprises.
        counts["certification_bodies"] = (
            LedgerRecord.objects.visible_to(user).values("certification_body").distinct().count()
        )
    else:
        counts["certification_bodies"] = CertificationBody.objects.visible_to(user).count()
    return counts
