"""Pilot factories and helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from programme import annex2, annex3
from programme.models import Deadline, DeadlineKind, PilotFiling, PilotFilingStatus, PilotRegion, PilotStatistics
from programme.services import pilot_create
from tests.factories import unit

YEAR = 2025


def make_pilot(industry: str = "电动自行车", codes: tuple[str, ...] = ("120113", "120114"),
               province: str = "120000", start_year: int = 2024, **kw: Any) -> PilotRegion:
    prov = unit(province)
    return pilot_create(actor=None, name=kw.pop("name", f"{prov.name}{industry}产业区域试点"), industry=industry,
                        province=prov, districts=[unit(c) for c in codes], start_year=start_year, **kw)


def open_deadline(year: int = YEAR, *, days: int = 30) -> Deadline:
    deadline = Deadline.objects.get(programme_year_id=year, kind=DeadlineKind.PILOT_REPORT)
    deadline.due_at = timezone.now() + dt.timedelta(days=days)
    deadline.save()
    return deadline


def close_deadline(year: int = YEAR) -> Deadline:
    return open_deadline(year, days=-1)


def valid_statistics(**overrides: Any) -> dict[str, Any]:
    """A complete annex-3 sheet obeying every rule."""
    values: dict[str, Any] = {name: 1 for name in annex3.count_fields()}
    values.update(total_enterprises=200, participating_enterprises=60, trained_enterprises=50,
                  assisted_enterprises=40, leader_deployed_enterprises=10, qms_enterprises=30,
                  digital_qms_enterprises=8, pain_points_found=12, pain_points_solved=9, talents_trained=80,
                  high_tech_enterprises=5, standard_compliant_enterprises=20, matching_funds=Decimal("350"),
                  quality_awards_national=1, quality_awards_provincial=2, quality_awards_municipal=3,
                  quality_awards_county=4)
    for pair in annex3.ALL_PAIRS:
        if pair.kind == "amount":
            values[pair.before], values[pair.after] = Decimal("1000"), Decimal("1100")
        else:
            values[pair.before], values[pair.after] = Decimal("90"), Decimal("94")
    values.update(overrides)
    return values


def report_texts(prefix: str = "") -> dict[str, str]:
    return {key: f"{prefix}{key} 的内容" for key in annex2.leaf_keys()}


def make_filing(pilot: PilotRegion, year: int = YEAR, status: str = PilotFilingStatus.DRAFT,
                **stats: Any) -> PilotFiling:
    filing = PilotFiling.objects.create(pilot=pilot, programme_year_id=year, status=status, **report_texts())
    PilotStatistics.objects.create(filing=filing, **valid_statistics(**stats))
    return filing
