"""The indicator catalogue: every figure the portal shows or reports, defined once.

An :class:`Indicator` says what a figure is — key, name (Chinese, English through the translation catalogue), unit,
source, formula, how it aggregates over units and years, which direction is better and at which levels it exists.
The app that holds a source's data defines its indicators beside it (``<app>/indicators.py``, imported by the app's
``AppConfig.ready``) and registers the function that computes them with :func:`indicator_source`; this module
imports no feature app. Dashboards, maps, trends, the year's summary, the exports, the API and the annual report
read figures through :func:`figures` (cached, :mod:`portal.figures`) or :func:`compute` (uncached) — nothing
computes a catalogue figure by its own code.

A source function takes the units (each stands for its whole subtree: the country, a province with everything in
it, a district) and the programme years, and returns ``{key: {(unit code, year): value}}`` for the indicators it
registered, set-based: one ``GROUP BY`` per distinct depth of the units asked for (:func:`by_subtree`), whatever
their number — fewer where a unit's additive figures add up from the units one level below it. A missing
``(code, year)`` is "no data" (shown "—"), never 0; a source returns 0 only where the data says 0. A source whose
figures build on another source's takes them with :func:`values_of` (computed once per ``compute``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.figures import Figures, cached_figures, recompute, refreshable

from .numbers import change_text, change_value, format_value

Number = int | float | Decimal
Values = dict[tuple[str, int], Number | None]  # (unit code, year) -> value
COUNTRY_PATH_LENGTH = len("000000/")
PROVINCE_PATH_LENGTH = len("000000/110000/")


class Source(models.TextChoices):
    LEDGER = "ledger", _("帮扶台账")
    TRAINING = "training", _("培训台账")
    QUESTIONNAIRE = "questionnaire", _("调查问卷")
    SELF_ASSESSMENT = "self_assessment", _("自评材料")
    PILOTS = "pilots", _("区域试点")
    EVALUATION = "evaluation", _("成效评估")
    CHAIN = "chain", _("产业链难题")


class Aggregation(models.TextChoices):
    SUM = "sum", _("求和")
    DISTINCT = "distinct", _("去重计数")
    RATIO = "ratio", _("分子之和÷分母之和")
    MEAN = "mean", _("答案的平均值")
    OWN = "own", _("本单位的值（不汇总）")


class OverYears(models.TextChoices):
    """How a figure adds up over several years (a plan period's progress, "截至2027年底")."""

    SUM = "sum", _("各年之和")
    DISTINCT = "distinct", _("期间去重计数")
    LATEST = "latest", _("最近一年的值")


class Better(models.TextChoices):
    UP = "up", _("越高越好")
    DOWN = "down", _("越低越好")
    NEITHER = "neither", _("无好坏之分")


class Level(models.TextChoices):  # the same values as programme.OrgUnitLevel
    COUNTRY = "country", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("地市级")
    DISTRICT = "district", _("区县级")


ALL_LEVELS = frozenset(Level.values)


class Scope(Protocol):
    """What a source needs of a unit (``programme.OrgUnit`` is one, :class:`ScopeRef` another)."""

    @property
    def code(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def level(self) -> str: ...


@dataclass(frozen=True)
class ScopeRef:
    """A unit as a source sees it, rebuilt from :func:`scope_refs` (a worker's refresh gets JSON, not units)."""

    code: str
    path: str
    level: str


def scope_refs(units: Iterable[Scope]) -> list[list[str]]:
    return [[u.code, u.path, u.level] for u in units]


def scopes(refs: Iterable[Sequence[str]]) -> list[ScopeRef]:
    return [ScopeRef(*ref) for ref in refs]


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str | Promise
    unit: str  # 家, 人次, 项, 个, 场, 元 (money; written in 万元/亿元), %, 分 ...
    source: Source
    formula: str | Promise
    aggregation: Aggregation
    better: Better = Better.UP
    levels: frozenset[str] = ALL_LEVELS  # unit levels the figure exists for; elsewhere it is "—"
    short_name: str | Promise = ""  # for chart axes and small multiples
    over_years: str = ""  # OverYears; by default SUM for sums, DISTINCT for distinct counts, LATEST otherwise

    @property
    def period_rule(self) -> OverYears:
        if self.over_years:
            return OverYears(self.over_years)
        return {Aggregation.SUM: OverYears.SUM, Aggregation.DISTINCT: OverYears.DISTINCT}.get(
            Aggregation(self.aggregation), OverYears.LATEST)

    @property
    def label(self) -> str:
        return str(self.short_name or self.name)

    def format(self, value: Any) -> str:
        return format_value(value, self.unit)

    def change(self, current: Any, previous: Any, *, previous_year: int) -> str:
        return change_text(current, previous, self.unit, previous_year=previous_year)

    def change_value(self, current: Any, previous: Any) -> Decimal | None:
        return change_value(current, previous, self.unit)

    def applies_to(self, level: str) -> bool:
        return level in self.levels


class SourceFunction(Protocol):
    """``func(units, years, period=False)``: values per (unit code, year); with ``period=True`` the distinct counts
    over all the years together, keyed by the last year (only sources with distinct counts need to honour it)."""

    def __call__(self, units: Sequence[Scope], years: Sequence[int], period: bool = False) -> Mapping[str, Values]:
        ...

_INDICATORS: dict[str, Indicator] = {}
_SOURCES: dict[str, SourceFunction] = {}


def indicator_source(*indicators: Indicator) -> Callable[[SourceFunction], SourceFunction]:
    """Register ``func(units, years) -> {key: {(code, year): value}}`` as the computation of ``indicators``."""

    def register(func: SourceFunction) -> SourceFunction:
        for ind in indicators:
            if ind.key in _INDICATORS and _SOURCES[ind.key] is not func and _INDICATORS[ind.key] != ind:
                raise ValueError(f"indicator {ind.key!r} is defined twice")
            _INDICATORS[ind.key] = ind
            _SOURCES[ind.key] = func
        return func

    return register


BodyValues = dict[tuple[int, int], Number | None]  # (certification body id, year) -> value


class BreakdownFunction(Protocol):
    """``func(unit, years)``: the values of the unit's subtree per certification body and year."""

    def __call__(self, unit: Scope, years: Sequence[int]) -> Mapping[str, BodyValues]:
        ...


_BREAKDOWNS: dict[str, BreakdownFunction] = {}


def body_breakdown(*keys: str) -> Callable[[BreakdownFunction], BreakdownFunction]:
    """Register ``func(unit, years) -> {key: {(body id, year): value}}``: the indicators ``keys`` per certification
    body inside one unit, computed by the same aggregates as the indicator itself (a district's page per CB)."""

    def register(func: BreakdownFunction) -> BreakdownFunction:
        for key in keys:
            _BREAKDOWNS[key] = func
        return func

    return register


def compute_by_body(keys: Iterable[str], *, unit: Scope, years: Sequence[int]) -> dict[str, BodyValues]:
    """The indicators per certification body within ``unit``'s subtree (only those with a breakdown); each
    breakdown function once. The caller checks the user may see the unit."""
    wanted = [k for k in dict.fromkeys(keys) if k in _BREAKDOWNS]
    by_func: dict[BreakdownFunction, list[str]] = defaultdict(list)
    for key in wanted:
        by_func[_BREAKDOWNS[key]].append(key)
    out: dict[str, BodyValues] = {}
    for func, func_keys in by_func.items():
        result = func(unit, sorted(set(years)))
        for key in func_keys:
            out[key] = {at: v for at, v in result.get(key, {}).items() if v is not None}
    return out


def catalogue() -> list[Indicator]:
    """Every indicator, in the order the apps registered them (grouped by source)."""
    return list(_INDICATORS.values())


def indicator(key: str) -> Indicator | None:
    return _INDICATORS.get(key)


def indicators(keys: Iterable[str]) -> list[Indicator]:
    return [_INDICATORS[k] for k in keys if k in _INDICATORS]


@dataclass(frozen=True)
class Table:
    """Values of indicators for units and years; ``get`` answers None for no data."""

    values: dict[str, Values] = field(default_factory=dict)

    def get(self, key: str, code: str, year: int) -> Number | None:
        return self.values.get(key, {}).get((code, year))

    def series(self, key: str, code: str, years: Sequence[int]) -> list[Number | None]:
        return [self.get(key, code, y) for y in years]

    def sources_without_data(self, keys: Iterable[str], code: str, year: int) -> list[Source]:
        """The sources of ``keys`` (in catalogue order) none of whose figures has a value for ``code`` in
        ``year``: what a report says it has no data from yet."""
        sources = dict.fromkeys(Source(ind.source) for ind in indicators(keys))
        with_data = {ind.source for ind in indicators(keys) if self.get(ind.key, code, year) is not None}
        return [source for source in sources if source not in with_data]


@dataclass
class _Computing:
    """One ``compute``/``compute_period`` call: the sources it asks for and what they gave (see ``values_of``)."""

    sources: set[SourceFunction] = field(default_factory=set)
    results: dict[tuple[Any, ...], Mapping[str, Values]] = field(default_factory=dict)


_COMPUTING: ContextVar[_Computing | None] = ContextVar("_COMPUTING", default=None)


def _run(func: SourceFunction, units: Sequence[Scope], years: Sequence[int], period: bool = False
         ) -> Mapping[str, Values]:
    """``func``'s values, computed once per ``compute``/``compute_period`` call whoever asks."""
    current = _COMPUTING.get()
    at = (func, tuple(u.code for u in units), tuple(years), period)
    if current is not None and at in current.results:
        return current.results[at]
    result = func(units, years, period=True) if period else func(units, years)
    if current is not None:
        current.results[at] = result
    return result


@contextmanager
def _computing(sources: Iterable[SourceFunction]) -> Iterator[None]:
    outer = _COMPUTING.get()
    current = outer or _Computing()
    token = _COMPUTING.set(current) if outer is None else None
    current.sources.update(sources)
    try:
        yield
    finally:
        if token is not None:
            _COMPUTING.reset(token)


def values_of(key: str, *, units: Sequence[Scope], years: Sequence[int], period: bool = False) -> Values | None:
    """For a source whose figures build on another's (the questionnaire's response rate on the ledger's assisted
    enterprises): indicator ``key``'s values as its own source computes them — once, whoever asks — when the current
    ``compute`` asks for that source anyway; otherwise None, and the caller counts what it needs its own way."""
    current = _COMPUTING.get()
    if current is None or _SOURCES[key] not in current.sources:
        return None
    return dict(_run(_SOURCES[key], units, years, period).get(key, {}))


def compute(keys: Iterable[str], *, units: Sequence[Scope], years: Sequence[int]) -> Table:
    """The indicators' values for every unit (its subtree) and year, computed now: each source once."""
    wanted = [k for k in dict.fromkeys(keys) if k in _INDICATORS]
    by_source: dict[SourceFunction, list[str]] = defaultdict(list)
    for key in wanted:
        by_source[_SOURCES[key]].append(key)
    out: dict[str, Values] = {}
    years = sorted(set(years))
    with _computing(by_source):
        for func, source_keys in by_source.items():
            result = _run(func, units, years) if units and years else {}
            for key in source_keys:
                ind = _INDICATORS[key]
                values = result.get(key, {})
                out[key] = {
                    (u.code, y): values.get((u.code, y))
                    for u in units if ind.applies_to(u.level) for y in years
                    if values.get((u.code, y)) is not None
                }
    return Table(out)


def compute_period(keys: Iterable[str], *, units: Sequence[Scope], years: Sequence[int]) -> dict[str, dict[str, Any]]:
    """Each indicator over the years together, per unit code, by its ``period_rule``: the sum of the years, the
    distinct count over the whole period (an enterprise assisted in two years counts once), or the last year's
    value. "No data" in every year is None."""
    with _computing(_SOURCES[k] for k in keys if k in _SOURCES):
        return _compute_period(keys, units=units, years=years)


def _compute_period(keys: Iterable[str], *, units: Sequence[Scope], years: Sequence[int]) -> dict[str, dict[str, Any]]:
    years = sorted(set(years))
    wanted = [k for k in dict.fromkeys(keys) if k in _INDICATORS]
    if not years or not units:
        return {k: {} for k in wanted}
    # Distinct counts are computed over the period at once; the others from the yearly values.
    distinct = [k for k in wanted if _INDICATORS[k].period_rule == OverYears.DISTINCT]
    yearly = compute([k for k in wanted if k not in distinct], units=units, years=years)
    by_source: dict[SourceFunction, list[str]] = defaultdict(list)
    for key in distinct:
        by_source[_SOURCES[key]].append(key)
    out: dict[str, dict[str, Any]] = {}
    for func, source_keys in by_source.items():
        result = _run(func, units, years, period=True)
        for key in source_keys:
            values = result.get(key, {})
            out[key] = {u.code: values.get((u.code, years[-1])) if _INDICATORS[key].applies_to(u.level) else None
                        for u in units}
    for key, values in yearly.values.items():
        rule = _INDICATORS[key].period_rule
        out[key] = {}
        for u in units:
            present: list[Any] = [values[(u.code, y)] for y in years if (u.code, y) in values]
            if rule == OverYears.SUM:
                out[key][u.code] = sum(present[1:], present[0]) if present else None
            else:
                out[key][u.code] = values.get((u.code, years[-1]))
    return out


def is_large(units: Sequence[Scope]) -> bool:
    """The country or a province among the units: figures worth keeping for a minute."""
    return any(len(u.path) <= PROVINCE_PATH_LENGTH for u in units)


def figures(keys: Iterable[str], *, units: Sequence[Scope], years: Sequence[int]) -> Figures[Table]:
    """``compute``, kept for ``FIGURES_CACHE_SECONDS`` when a country or provincial unit is among ``units``. The
    values are those of the units' subtrees whoever asks: callers check that the user may see every unit."""
    key_list = sorted(set(keys))
    codes = sorted(u.code for u in units)
    year_list = sorted(set(years))
    return cached_figures("indicators", key_list, codes, year_list,
                          compute=recompute(_computed, key_list, scope_refs(units), year_list),
                          live=not is_large(units))


@refreshable
def _computed(keys: list[str], units: list[list[str]], years: list[int]) -> Table:
    return compute(keys, units=scopes(units), years=years)


# --------------------------------------------------------------------------- helpers for the sources


def _common_prefix(paths: Iterable[str]) -> str:
    paths = list(paths)
    if not paths:
        return ""
    first = paths[0].split("/")[:-1]
    common: list[str] = []
    for i, part in enumerate(first):
        if all(len(p.split("/")) > i + 1 and p.split("/")[i] == part for p in paths):
            common.append(part)
        else:
            break
    return "".join(f"{c}/" for c in common)


LEVEL_PATH_LENGTH = len("110000/")  # one level deeper in a path


def _rollups(lengths: Iterable[int]) -> dict[int, int]:
    """``{length: deeper length}``: the depths whose units take their additive aggregates from the groups one level
    below them, where that depth is asked for anyway. A depth that feeds another is computed in full itself."""
    present, sources = set(lengths), set()
    rolled: dict[int, int] = {}
    for length in sorted(present):
        deeper = length + LEVEL_PATH_LENGTH
        if deeper in present and length not in sources:
            rolled[length] = deeper
            sources.add(deeper)
    return rolled


def _never_null(model: type[models.Model], path: str) -> bool:
    """Every row of ``model`` reaches a non-null ``path`` (a chain of non-null foreign keys): with a unit path
    beginning with the country's, every row is in the country's subtree."""
    *relations, last = path.split("__")
    for name in relations:
        field = model._meta.get_field(name)
        related = field.related_model
        if not (field.concrete and (field.many_to_one or field.one_to_one)) or field.null or related is None:
            return False
        model = related  # type: ignore[assignment]
    return not model._meta.get_field(last).null


def _add(total: dict[str, Any], row: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        value = row.get(name)
        if value is not None:
            total[name] = value if total.get(name) is None else total[name] + value
        else:
            total.setdefault(name, None)


def by_subtree(qs: QuerySet[Any], *, path: str, year: str, units: Sequence[Scope], years: Sequence[int],
               period: bool = False, additive: Iterable[str] = (),
               **aggregates: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """``aggregates`` of the rows of ``qs`` in each unit's subtree (``path`` names the rows' unit path, e.g.
    ``"enterprise__district__path"``) per year (``year`` names the year field): one ``GROUP BY`` per distinct depth
    of the units, restricted to their common ancestor. Returns ``{(unit code, year): {aggregate: value}}``; with
    ``period`` the years are aggregated together and keyed by the last one.

    ``additive`` names the aggregates whose value over disjoint subtrees together is the sum of theirs: sums, counts,
    and distinct counts of what belongs to exactly one row's unit (an enterprise is in one district). Where the
    units one level below a depth are asked for too (the country with its provinces), that depth's units take these
    from the groups below them — the query one level down then covers their whole subtrees — and their own query
    computes only the other aggregates (none when all are additive). The country's own query, being everything,
    needs no path at all."""
    by_length: dict[int, dict[str, str]] = defaultdict(dict)
    for u in units:
        by_length[len(u.path)][u.path] = u.code
    common = _common_prefix(u.path for u in units)
    base = qs.filter(**{f"{year}__in": list(years)})
    if len(common) > COUNTRY_PATH_LENGTH:
        base = base.filter(**{f"{path}__startswith": common})
    summed = {name for name in additive if name in aggregates}
    rolled = _rollups(by_length) if summed else {}
    last = max(years)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    own_parts: dict[tuple[str, int], dict[str, Any]] = {}  # the rolled-up units' own (non-additive) aggregates
    sums: dict[tuple[str, int], dict[str, Any]] = {}  # the rolled-up units' additive aggregates, from below
    for length, prefixes in sorted(by_length.items()):
        wanted = {k: v for k, v in aggregates.items() if k not in summed} if length in rolled else aggregates
        feeds = {p: c for shallower, ps in by_length.items() if rolled.get(shallower) == length for p, c in ps.items()}
        if not wanted:
            continue
        target = own_parts if length in rolled else out
        if length == COUNTRY_PATH_LENGTH and len(prefixes) == 1 and not period and _never_null(qs.model, path):
            (country,) = prefixes.values()
            for row in base.values(year).annotate(**wanted).order_by():
                target[(country, row.pop(year))] = row
            continue
        q = base.annotate(_prefix=Substr(path, 1, length))
        if length > COUNTRY_PATH_LENGTH and not any(len(p) == COUNTRY_PATH_LENGTH for p in feeds):
            within = Q(_prefix__in=list(prefixes))
            for fed in feeds:
                within |= Q(**{f"{path}__startswith": fed})
            q = q.filter(within)
        group = ("_prefix",) if period else ("_prefix", year)
        for row in q.values(*group).annotate(**wanted).order_by():
            prefix = row.pop("_prefix")
            at_year = last if period else row.pop(year)
            above = feeds.get(prefix[:length - LEVEL_PATH_LENGTH])
            if above is not None:
                _add(sums.setdefault((above, at_year), {}), row, summed)
            code = prefixes.get(prefix)
            if code is not None:
                target[(code, at_year)] = row
    for at, total in sums.items():
        out[at] = {**{k: None for k in aggregates}, **own_parts.get(at, {}), **total}
    return out


def ratio(numerator: Any, denominator: Any, *, scale: int = 100) -> float | None:
    """numerator ÷ denominator × scale, None when the denominator is 0 or missing (no data, not 0%)."""
    if not denominator:
        return None
    return float(numerator or 0) * scale / float(denominator)


def pick(rows: Mapping[tuple[str, int], Mapping[str, Any]], **columns: str | Callable[[Mapping[str, Any]], Any]
         ) -> dict[str, Values]:
    """Split grouped rows into one ``Values`` per indicator: ``key="column"`` or ``key=lambda row: ...``."""
    out: dict[str, Values] = {key: {} for key in columns}
    for at, row in rows.items():
        for key, column in columns.items():
            out[key][at] = row.get(column) if isinstance(column, str) else column(row)
    return out
