"""How far a unit is from its targets, and the pace needed in each remaining year.

Progress is read from the indicator catalogue (``reporting.indicators``), never computed here:

- a *cumulative* target counts the period's years up to now together by the indicator's period rule
  (:func:`reporting.indicators.compute_period`: distinct counts over the whole period — an enterprise assisted in
  2025 and 2026 counts once — sums added up);
- a *yearly* target compares each year's value with the target; the latest year of the period with data counts;
- a *level* (a rate such as satisfaction) must be reached and kept: the latest year of the period with data counts.

"On track" compares what is reached with an even pace through the period by the calendar (on 1 July of the second
year of a three-year period half the target is due). The pace needed is what is left, spread over the years of the
period not yet begun (the current year's own figures are still coming in); in the last year of the period, what is
left of it. Figures are formatted by ``reporting.numbers`` only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.figures import cached_figures, recompute, refreshable
from reporting.indicators import Indicator, Scope, compute, compute_period, indicator, is_large, scope_refs, scopes
from reporting.numbers import NO_DATA, PERCENT, format_value

from .models import Counting

# The verb of "2027年需再帮扶约1.2万家" per indicator (default 完成).
VERBS: dict[str, Any] = {
    "assisted_enterprises": gettext_lazy("帮扶"),
    "chain_problems_solved": gettext_lazy("解决"),
    "pilot_regions": gettext_lazy("部署"),
    "pilot_regions_deployed": gettext_lazy("部署"),
    "training_sessions": gettext_lazy("组织"),
    "trained_enterprises": gettext_lazy("培训"),
    "trained_persons": gettext_lazy("培训"),
}
DEFAULT_VERB = gettext_lazy("完成")
CACHE_TOPIC = "targets"


class Status:
    NOT_STARTED = "not_started"
    REACHED = "reached"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    MISSED = "missed"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


STATUS_LABELS: dict[str, Any] = {
    Status.NOT_STARTED: gettext_lazy("尚未开始"),
    Status.REACHED: gettext_lazy("已达到目标"),
    Status.ON_TRACK: gettext_lazy("进度正常"),
    Status.BEHIND: gettext_lazy("进度滞后"),
    Status.MISSED: gettext_lazy("期满未达到"),
    Status.NO_DATA: gettext_lazy("暂无数据"),
    Status.NO_TARGET: gettext_lazy("未设定目标"),
}


@dataclass(frozen=True)
class Goal:
    """What is measured: an indicator over a period by a counting rule; ``value`` None measures without a target
    (a province's part of the national target when it set none of its own)."""

    key: str
    first_year: int
    last_year: int
    counting: str
    value: Decimal | None


def goal_of(target: Any) -> Goal:
    return Goal(target.indicator, target.first_year, target.last_year, target.counting, target.value)


@dataclass(frozen=True)
class Progress:
    goal: Goal
    unit_code: str
    indicator: Indicator | None
    today: dt.date
    reached: Decimal | None  # None: no data
    reached_year: int | None  # the year a yearly/level value is from (None for cumulative)
    counted_years: tuple[int, ...]  # the period's years counted so far
    applies: bool  # the indicator exists at the unit's level

    # ------------------------------------------------------------------ derived figures

    @property
    def unit(self) -> str:
        return self.indicator.unit if self.indicator else ""

    @property
    def target_text(self) -> str:
        return format_value(self.goal.value, self.unit) if self.goal.value is not None else NO_DATA

    @property
    def reached_text(self) -> str:
        return format_value(self.reached, self.unit)

    @property
    def percent(self) -> Decimal | None:
        """Reached as a percentage of the target (one decimal); None without data or without a target."""
        if self.reached is None or not self.goal.value:
            return None
        return (self.reached * 100 / self.goal.value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def percent_text(self) -> str:
        return format_value(self.percent, PERCENT)

    @property
    def bar_width(self) -> Decimal:
        """The progress bar's filled share (0–100)."""
        return min(self.percent or Decimal(0), Decimal(100))

    @property
    def time_share(self) -> Decimal:
        """The share of the period (or, for a yearly target, of the year) gone by on ``today`` (0–1)."""
        if self.goal.counting == Counting.YEARLY:
            start, end = dt.date(self.today.year, 1, 1), dt.date(self.today.year, 12, 31)
        else:
            start, end = dt.date(self.goal.first_year, 1, 1), dt.date(self.goal.last_year, 12, 31)
        if self.today < start:
            return Decimal(0)
        if self.today >= end:
            return Decimal(1)
        return Decimal((self.today - start).days + 1) / Decimal((end - start).days + 1)

    @property
    def expected(self) -> Decimal | None:
        """What an even pace would have reached by ``today`` (cumulative and yearly targets)."""
        if self.goal.value is None or self.goal.counting == Counting.LEVEL:
            return None
        return self.goal.value * self.time_share

    @property
    def expected_text(self) -> str:
        if self.expected is None:
            return ""
        return format_value(_round_up(self.expected, self.unit), self.unit)

    @property
    def expected_mark(self) -> Decimal | None:
        """Where the even-pace mark sits on the bar (0–100)."""
        return None if self.expected is None else (self.time_share * 100).quantize(Decimal("0.1"))

    @property
    def status(self) -> str:
        if self.goal.value is None:
            return Status.NO_TARGET
        if self.today.year < self.goal.first_year:
            return Status.NOT_STARTED
        if self.reached is None:
            return Status.NO_DATA
        if self.reached >= self.goal.value:
            return Status.REACHED
        if self.today.year > self.goal.last_year:
            return Status.MISSED
        if self.goal.counting == Counting.LEVEL:
            return Status.BEHIND
        if self.goal.counting == Counting.YEARLY and (self.reached_year or 0) < self.today.year:
            return Status.BEHIND  # a whole year that fell short (this year has no figures yet)
        expected = self.expected or Decimal(0)
        return Status.ON_TRACK if self.reached >= expected else Status.BEHIND

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def remaining_years(self) -> list[int]:
        """The years left to reach a cumulative target: those of the period not yet begun, or in its last year
        the current year itself; none once the period is over."""
        first, last, year = self.goal.first_year, self.goal.last_year, self.today.year
        if year > last:
            return []
        if year < first:
            return list(range(first, last + 1))
        return list(range(year + 1, last + 1)) or [year]

    @property
    def remaining(self) -> Decimal | None:
        if self.goal.value is None:
            return None
        return max(self.goal.value - (self.reached or Decimal(0)), Decimal(0))

    @property
    def per_year(self) -> Decimal | None:
        """The pace needed in each remaining year (cumulative targets), rounded up for counts."""
        years = self.remaining_years
        if self.goal.counting != Counting.CUMULATIVE or self.remaining is None or not years:
            return None
        return _round_up(self.remaining / len(years), self.unit)

    @property
    def pace_text(self) -> str:
        """"2027年需再帮扶约1.2万家" and the like; empty without a target."""
        if self.goal.value is None or self.indicator is None:
            return ""
        verb = str(VERBS.get(self.goal.key, DEFAULT_VERB))
        unit, year, last = self.unit, self.today.year, self.goal.last_year
        if self.goal.counting == Counting.LEVEL:
            target = format_value(self.goal.value, unit)
            if self.reached is None:
                return _("需达到并保持%(target)s以上") % {"target": target}
            if self.reached >= self.goal.value:
                return _("已达到%(target)s，需继续保持") % {"target": target}
            gap = self.goal.value - self.reached
            gap_text = (_("%(points)s个百分点") % {"points": f"{gap.quantize(Decimal('0.1'))}"} if unit == PERCENT
                        else format_value(gap, unit))
            return _("距%(target)s还差%(gap)s") % {"target": target, "gap": gap_text}
        if self.goal.counting == Counting.YEARLY:
            target = format_value(self.goal.value, unit)
            if year > last:
                return _("期间已结束")
            if year < self.goal.first_year:
                return _("%(first)s—%(last)s年每年需%(verb)s约%(amount)s") % {
                    "first": self.goal.first_year, "last": last, "verb": verb, "amount": target}
            left = self.remaining or Decimal(0)
            this_year = (_("%(year)s年还需%(verb)s约%(amount)s") % {
                "year": year, "verb": verb, "amount": format_value(_round_up(left, unit), unit)}
                if left > 0 else _("%(year)s年已达到目标") % {"year": year})
            if year < last:
                return this_year + _("；此后每年需%(verb)s约%(amount)s") % {"verb": verb, "amount": target}
            return this_year
        years = self.remaining_years
        if not years:
            return _("期间已结束")
        if not self.remaining:
            return _("已达到目标")
        amount = format_value(self.per_year, unit)
        if len(years) == 1:
            return _("%(year)s年需再%(verb)s约%(amount)s") % {"year": years[0], "verb": verb, "amount": amount}
        return _("%(first)s—%(last)s年每年需再%(verb)s约%(amount)s") % {
            "first": years[0], "last": years[-1], "verb": verb, "amount": amount}

    @property
    def reached_note(self) -> str:
        """Which years the value covers ("2025—2026年累计", "2026年")."""
        if self.goal.counting == Counting.CUMULATIVE:
            if not self.counted_years:
                return ""
            first, last = self.counted_years[0], self.counted_years[-1]
            return (_("%(first)s—%(last)s年累计") % {"first": first, "last": last} if first != last
                    else _("%(year)s年") % {"year": first})
        return _("%(year)s年") % {"year": self.reached_year} if self.reached_year else ""


def _round_up(value: Decimal, unit: str) -> Decimal:
    """Whole units for counts and money; one decimal for percentages and scores."""
    if unit == PERCENT or unit in {"分"}:
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal(math.ceil(value))


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def counted_years(goal: Goal, today: dt.date) -> list[int]:
    """The period's years that have begun by ``today``."""
    return list(range(goal.first_year, min(goal.last_year, today.year) + 1))


def _figures(units: Sequence[Scope], keys: list[str], years: list[int], counting: str) -> dict[str, Any]:
    """{key: {code: value}} over the period (cumulative) or {key: {code: {year: value}}} (yearly and level), for
    all ``units`` at once (the catalogue is set-based), cached for the country and the provinces like every
    catalogue figure."""

    kind = "period" if counting == Counting.CUMULATIVE else "years"
    codes = sorted(u.code for u in units)
    return cached_figures(CACHE_TOPIC, kind, codes, sorted(keys), years,
                          compute=recompute(_computed, scope_refs(units), keys, years, counting),
                          live=not is_large(units)).value


@refreshable
def _computed(refs: list[list[str]], keys: list[str], years: list[int], counting: str) -> dict[str, Any]:
    units = scopes(refs)
    if counting == Counting.CUMULATIVE:
        period = compute_period(keys, units=units, years=years)
        return {k: {u.code: period.get(k, {}).get(u.code) for u in units} for k in keys}
    table = compute(keys, units=units, years=years)
    return {k: {u.code: {y: table.get(k, u.code, y) for y in years} for u in units} for k in keys}


def _is_country(unit: Scope) -> bool:
    return len(unit.path) <= len("000000/")


def measure(goals: Iterable[tuple[Goal, Scope]], *, today: dt.date | None = None) -> list[Progress]:
    """Progress of each (goal, unit), in the order given: one catalogue computation per period and rule, whatever
    the number of units."""
    today = today or timezone.localdate()
    pairs = list(goals)
    # The country is a group of its own: every page and dashboard card then shares one cached set of national
    # figures, whatever province is shown beside them.
    groups: dict[tuple[tuple[int, ...], str, bool], tuple[dict[str, Scope], set[str]]] = {}
    for goal, unit in pairs:
        years = tuple(counted_years(goal, today))
        if not years:
            continue
        rule: str = Counting.CUMULATIVE if goal.counting == Counting.CUMULATIVE else Counting.YEARLY
        units, keys = groups.setdefault((years, rule, _is_country(unit)), ({}, set()))
        units[unit.code] = unit
        keys.add(goal.key)
    values: dict[tuple[tuple[int, ...], str], dict[str, Any]] = defaultdict(dict)
    for (group_years, group_rule, _country), (units, keys) in groups.items():
        for key, by_code in _figures(list(units.values()), sorted(keys), list(group_years), group_rule).items():
            values[(group_years, group_rule)].setdefault(key, {}).update(by_code)
    out: list[Progress] = []
    for goal, unit in pairs:
        ind = indicator(goal.key)
        years = tuple(counted_years(goal, today))
        applies = ind is not None and ind.applies_to(unit.level)
        reached: Decimal | None = None
        reached_year: int | None = None
        if years and applies:
            if goal.counting == Counting.CUMULATIVE:
                reached = _decimal(values[(years, Counting.CUMULATIVE)].get(goal.key, {}).get(unit.code))
            else:
                by_year = values[(years, Counting.YEARLY)].get(goal.key, {}).get(unit.code) or {}
                with_data = [y for y in years if by_year.get(y) is not None]
                if with_data:
                    reached_year = with_data[-1]
                    reached = _decimal(by_year[reached_year])
        out.append(Progress(goal=goal, unit_code=unit.code, indicator=ind, today=today, reached=reached,
                            reached_year=reached_year, counted_years=years, applies=applies))
    return out


def province_rows(target: Any, provinces: Sequence[Any], own: Sequence[Any], *,
                  today: dt.date | None = None) -> list[tuple[Any, Progress, Progress | None]]:
    """For a national target, each province's part by the national rule (comparable between provinces) and, where
    it set one, its progress towards its own target on the indicator. One computation per period and rule."""
    own_by_unit = {t.org_unit_id: t for t in own if t.indicator == target.indicator}
    national = goal_of(target)
    part = Goal(national.key, national.first_year, national.last_year, national.counting, None)
    pairs: list[tuple[Goal, Scope]] = [(part, unit) for unit in provinces]
    with_own = [unit for unit in provinces if unit.pk in own_by_unit]
    pairs += [(goal_of(own_by_unit[unit.pk]), unit) for unit in with_own]
    measured = measure(pairs, today=today)
    mine = dict(zip([u.pk for u in with_own], measured[len(provinces):], strict=True))
    return [(unit, measured[i], mine.get(unit.pk)) for i, unit in enumerate(provinces)]


def progress_rows(national: Sequence[Any], own: Sequence[Any], *, country: Scope, province: Scope | None,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """The targets page's rows: each national target with the nation's progress and, for a province, the
    province's own target on that indicator (or, without one, the province's part by the national rule), then
    the province's targets on indicators the nation has none for."""
    pairs: list[tuple[Goal, Scope]] = [(goal_of(t), country) for t in national]
    own_by_key = {t.indicator: t for t in own}
    if province is not None:
        for t in national:
            mine = own_by_key.get(t.indicator)
            pairs.append((goal_of(mine), province) if mine else (Goal(t.indicator, t.first_year, t.last_year,
                                                                       t.counting, None), province))
        extra = [t for t in own if t.indicator not in {n.indicator for n in national}]
        pairs += [(goal_of(t), province) for t in extra]
    else:
        extra = []
    measured = measure(pairs, today=today)
    n = len(national)
    rows: list[dict[str, Any]] = []
    for i, target in enumerate(national):
        rows.append({"key": target.indicator, "national": target, "national_progress": measured[i],
                     "own": own_by_key.get(target.indicator),
                     "own_progress": measured[n + i] if province is not None else None})
    for j, target in enumerate(extra):
        rows.append({"key": target.indicator, "national": None, "national_progress": None, "own": target,
                     "own_progress": measured[2 * n + j]})
    return rows
