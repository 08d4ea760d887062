"""Pilot enterprises against all enterprises, from the year-end questionnaire.

Who is "in a pilot" (for a year): an enterprise located in one of the pilot's districts whose assistance
ledger record of that year names the pilot — the ledger's free-text 试点区域 column contains the pilot's
industry (e.g. "电动自行车") or equals the pilot's full name. "All enterprises" is the national population
of the questionnaire module (every assisted enterprise with a submitted questionnaire).

The pilot pages (``programme:pilot_comparison``) get the comparison through ``programme.pilot_comparison``: this
module registers :func:`pilot_comparison` there (programme imports no enterprises module; it finds this one by
name when it starts, ``ProgrammeConfig.ready``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, LedgerRecord
from programme.models import PilotRegion
from programme.pilot_comparison import pilot_comparison_source

from . import selectors

if TYPE_CHECKING:
    from portal.models import User


@dataclass(frozen=True)
class PilotComparisonRow:
    label: str
    effect_very_obvious_rate: float | None
    metric_changes: dict[str, float | None]
    assisted: int | None = None
    submitted: int | None = None
    metric_values: tuple[float | None, ...] = ()  # metric_changes in the order of PilotComparison.metric_keys


@dataclass(frozen=True)
class PilotComparison:
    year: int
    pilots: PilotComparisonRow
    everyone: PilotComparisonRow
    per_pilot: list[PilotComparisonRow]
    metric_keys: list[str]

    @property
    def effect_gap(self) -> float | None:
        """Percentage points by which pilots exceed everyone (seed 000: 11.2 points)."""
        a, b = self.pilots.effect_very_obvious_rate, self.everyone.effect_very_obvious_rate
        return None if a is None or b is None else a - b

    @property
    def gap_values(self) -> list[float | None]:
        gaps = self.metric_gaps()
        return [gaps[k] for k in self.metric_keys]

    def metric_gaps(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in self.metric_keys:
            a, b = self.pilots.metric_changes.get(key), self.everyone.metric_changes.get(key)
            out[key] = None if a is None or b is None else a - b
        return out


def pilot_enterprises(*, pilots: QuerySet[PilotRegion] | list[PilotRegion], year: int) -> QuerySet[Any]:
    """Enterprises in any of the given pilots for the year (the rule in the module docstring)."""
    has_pilot_column = any(f.name == "pilot_region" for f in LedgerRecord._meta.get_fields())
    condition = Q(pk__in=[])
    for pilot in pilots:
        district_ids = list(pilot.districts.values_list("pk", flat=True))
        records = LedgerRecord.objects.filter(programme_year_id=year, enterprise__district_id__in=district_ids)
        if has_pilot_column:
            names_pilot = Q(pilot_region__contains=pilot.industry) | Q(pilot_region=pilot.name)
            records = records.filter(names_pilot)
        condition |= Q(pk__in=records.values("enterprise_id"))
    return Enterprise.objects.filter(condition)


def _row(label: str, agg: Any, keys: list[str]) -> PilotComparisonRow:
    return PilotComparisonRow(label=label, effect_very_obvious_rate=agg.effect_very_obvious_rate,
                              metric_changes=dict(agg.metric_changes),
                              metric_values=tuple(agg.metric_changes.get(k) for k in keys),
                              assisted=getattr(agg, "assisted", None), submitted=getattr(agg, "submitted", None))


@pilot_comparison_source
def pilot_comparison(*, user: User, year: int) -> PilotComparison:
    """The user's visible pilots (active in the year) against all enterprises nationally."""
    pilots = list(PilotRegion.objects.visible_to(user).active_in(year).select_related("province")
                  .order_by("province__code", "name"))
    combined = selectors.aggregates_for_enterprises(year=year, enterprises=pilot_enterprises(pilots=pilots,
                                                                                              year=year))
    national = selectors.national_aggregates(year=year)
    keys = sorted(set(national.metric_changes) | set(combined.metric_changes))
    per_pilot = [_row(p.name, selectors.aggregates_for_enterprises(
        year=year, enterprises=pilot_enterprises(pilots=[p], year=year)), keys) for p in pilots]
    return PilotComparison(year=year, pilots=_row(_("试点企业"), combined, keys),
                           everyone=_row(_("全部企业"), national, keys),
                           per_pilot=per_pilot, metric_keys=keys)
