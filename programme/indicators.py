"""The catalogue's pilot indicators (``reporting.indicators``), beside their data.

A pilot region counts for its province (and the country), and for each district it spans. Pilot regions are a few
dozen rows, read once per call and counted per unit and year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _

from reporting.indicators import (
    Aggregation,
    Indicator,
    OverYears,
    Scope,
    Source,
    Values,
    indicator_source,
    ratio,
)

from .models import PilotFiling, PilotFilingStatus, PilotRegion

PILOTS_ACTIVE = Indicator(
    "pilot_regions", _("在试区域试点"), "个", Source.PILOTS, _("当年在试的区域试点（起始年度 ≤ 当年 ≤ 结束年度）"),
    Aggregation.DISTINCT, short_name=_("在试试点"))
PILOTS_DEPLOYED = Indicator(
    "pilot_regions_deployed", _("累计部署区域试点"), "个", Source.PILOTS, _("起始年度不晚于当年的区域试点"),
    Aggregation.DISTINCT, short_name=_("累计试点"), over_years=OverYears.LATEST)
PILOT_FILINGS = Indicator(
    "pilot_filings", _("区域试点年度报送"), "份", Source.PILOTS, _("当年已提交或已通过的试点报送（附件2、3）"),
    Aggregation.SUM, short_name=_("试点报送"))
PILOT_FILING_RATE = Indicator(
    "pilot_filing_rate", _("区域试点报送率"), "%", Source.PILOTS,
    _("当年已提交或已通过的试点报送 ÷ 当年在试试点 × 100"), Aggregation.RATIO, short_name=_("试点报送率"))

FILED = (PilotFilingStatus.SUBMITTED, PilotFilingStatus.ACCEPTED)


def _in(unit: Scope, province_path: str, district_paths: list[str]) -> bool:
    if province_path.startswith(unit.path):
        return True
    return any(p.startswith(unit.path) for p in district_paths)


def _active(start: int, end: int | None, year: int) -> bool:
    return start <= year and (end is None or end >= year)


@indicator_source(PILOTS_ACTIVE, PILOTS_DEPLOYED, PILOT_FILINGS, PILOT_FILING_RATE)
def pilot_indicators(units: Sequence[Scope], years: Sequence[int],
                     period: bool = False) -> Mapping[str, Values]:
    pilots: dict[int, tuple[int, int | None, str, list[str]]] = {}
    for pk, start, end, province_path in PilotRegion.objects.values_list("pk", "start_year", "end_year",
                                                                          "province__path"):
        pilots[pk] = (start, end, province_path, [])
    for pk, path in PilotRegion.districts.through.objects.values_list("pilotregion_id", "orgunit__path"):
        if pk in pilots:
            pilots[pk][3].append(path)
    filed: dict[int, set[int]] = {}
    for pk, year in PilotFiling.objects.filter(programme_year_id__in=years, status__in=FILED).values_list(
            "pilot_id", "programme_year_id"):
        filed.setdefault(year, set()).add(pk)
    out: dict[str, Values] = {k: {} for k in ("pilot_regions", "pilot_regions_deployed", "pilot_filings",
                                              "pilot_filing_rate")}
    for unit in units:
        mine = [pk for pk, (_s, _e, prov, dists) in pilots.items() if _in(unit, prov, dists)]
        if period:  # the pilots active in any of the years, keyed by the last
            at = (unit.code, max(years))
            out["pilot_regions"][at] = sum(1 for pk in mine if any(_active(pilots[pk][0], pilots[pk][1], y)
                                                                   for y in years))
            continue
        for year in years:
            active = [pk for pk in mine if _active(pilots[pk][0], pilots[pk][1], year)]
            deployed = sum(1 for pk in mine if pilots[pk][0] <= year)
            n_filed = len(filed.get(year, set()).intersection(mine))
            at = (unit.code, year)
            out["pilot_regions"][at] = len(active)
            out["pilot_regions_deployed"][at] = deployed
            out["pilot_filings"][at] = n_filed
            out["pilot_filing_rate"][at] = ratio(n_filed, len(active))
    return out
