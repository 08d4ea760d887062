"""Reads of the questionnaire, and the aggregates other parts of the portal (the evaluation) build on.

How the aggregates are computed
===============================
Population. "Assisted" enterprises of a year are the distinct enterprises with at least one assistance
ledger record (``LedgerRecord``) for that year. Only *submitted* questionnaires of assisted enterprises
count; drafts and questionnaires of enterprises without a ledger record for the year are ignored. A unit's
figures cover its whole subtree (a province = all its districts), by the district of the enterprise.

Response rate = submitted ÷ assisted × 100.

Business metrics: the **mean of per-enterprise changes**, not a ratio of sums. Each enterprise's change
is computed when it answers, as the question defines it: a *relative* change, (after − before) ÷ before ×
100 (revenue, sales, profit margin, quality-cost rate, first-pass yield, conversion rate, customer
satisfaction), or a change in *percentage points*, after − before (defect rate and complaint rate, whose
small bases make relative changes explode). A ratio of sums would let a few larger firms decide the
figure; the programme is about small and micro enterprises, each of which counts once.
Outliers: answers are range-checked at entry and an implausible change must be confirmed by the
enterprise; in the mean, each per-enterprise change is additionally capped to [−100, +200] (winsorised
at fixed bounds) so that a tiny base cannot dominate. A relative change with before ≤ 0 is undefined
and left out of that metric's mean (it still counts for everything else).

Rates (satisfaction per item, effect, maturity, burden, result indicators) are percentages of the
submitted questionnaires that answered the item:
- satisfied = 满意 or 非常满意;
- effect obvious = 明显 or 非常明显; effect very obvious = 非常明显;
- maturity rose = after-level ≥ before-level + 1 (of those giving both levels);
- burden = answered "yes" to "did it add notable cost in people or time";
- result indicators (annex 1 "帮扶企业提升成效", one per reference indicator): the percentage giving a
  positive answer to the question feeding it — operating (经营绩效 改善), quality (产品和服务质量 改善),
  qm_level (质量管理水平 改善), credit_brand (obtained credit/finance/brand benefits), digital (adopted
  digital QM tools), lasting (will keep the certification). Each is 0–100.
A figure with no data is ``None`` (shown as "—"), never 0.

Every figure is a database aggregate (conditional ``Count``/``Sum`` grouped by the subtree's path
prefix): ``aggregates_by_unit`` costs one query per distinct depth of the units asked for, whatever
their number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr

from portal.figures import Figures, cached_figures, recompute, refreshable
from portal.models import User
from portal.roles import Role
from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel
from reporting.indicators import Scope, by_subtree

from ..models import Enterprise, LedgerRecord
from .models import (
    METRIC_COLUMNS,
    RESULT_COLUMNS,
    SATISFACTION_COLUMNS,
    ActivationCode,
    QuestionnaireVersion,
    Reminder,
    Response,
    ResponseStatus,
)

CHANGE_CAP_LOW = -100.0
CHANGE_CAP_HIGH = 200.0

METRIC_KEYS = {measure.split(":", 1)[1]: column for measure, column in METRIC_COLUMNS.items()}
SATISFACTION_KEYS = {measure.split(":", 1)[1]: column for measure, column in SATISFACTION_COLUMNS.items()}
RESULT_KEYS = {measure.split(":", 1)[1]: column for measure, column in RESULT_COLUMNS.items()}


@dataclass(frozen=True)
class Aggregates:
    assisted: int  # enterprises with a ledger record that year
    submitted: int
    response_rate: float | None  # percent 0-100
    metric_changes: dict[str, float | None]  # metric key -> mean change in percent (or points)
    satisfaction_rates: dict[str, float | None]  # item key -> percent satisfied (满意+非常满意)
    effect_obvious_rate: float | None  # percent 明显+非常明显
    effect_very_obvious_rate: float | None  # percent 非常明显
    maturity_rose_rate: float | None  # percent rose >= 1 level
    burden_rate: float | None  # percent saying it added notable cost
    result_indicators: dict[str, float | None]  # operating, quality, qm_level, credit_brand, digital, lasting


def _capped(column: str) -> Case:
    return Case(
        When(**{f"{column}__gt": CHANGE_CAP_HIGH}, then=Value(CHANGE_CAP_HIGH)),
        When(**{f"{column}__lt": CHANGE_CAP_LOW}, then=Value(CHANGE_CAP_LOW)),
        default=F(column),
        output_field=FloatField(),
    )


def _expressions(through: str = "") -> dict[str, Any]:
    """Sums and counts only, so that groups can be added up exactly (a country from its provinces). ``through``
    is the way from the rows aggregated to the response ("year_response__" from an enterprise); none from a
    response."""
    r = through

    def yes(condition: Q) -> Count:
        return Count(f"{r}id", filter=condition)

    exprs: dict[str, Any] = {"submitted": Count(f"{r}id")}
    for column in METRIC_COLUMNS.values():
        exprs[f"sum_{column}"] = Sum(_capped(f"{r}{column}"))
        exprs[f"n_{column}"] = Count(f"{r}{column}")
    for column in SATISFACTION_COLUMNS.values():
        exprs[f"yes_{column}"] = yes(Q(**{f"{r}{column}__gte": 4}))
        exprs[f"n_{column}"] = Count(f"{r}{column}")
    for column in RESULT_COLUMNS.values():
        exprs[f"yes_{column}"] = yes(Q(**{f"{r}{column}": True}))
        exprs[f"n_{column}"] = Count(f"{r}{column}")
    exprs["yes_effect"] = yes(Q(**{f"{r}effect__gte": 3}))
    exprs["very_effect"] = yes(Q(**{f"{r}effect": 4}))
    exprs["n_effect"] = Count(f"{r}effect")
    exprs["yes_burden"] = yes(Q(**{f"{r}burden": True}))
    exprs["n_burden"] = Count(f"{r}burden")
    exprs["yes_maturity"] = yes(Q(**{f"{r}maturity_after__gte": F(f"{r}maturity_before") + 1}))
    exprs["n_maturity"] = yes(Q(**{f"{r}maturity_before__isnull": False, f"{r}maturity_after__isnull": False}))
    return exprs


def _merge(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for row in rows:
        for key, value in row.items():
            if key != "prefix" and value is not None:
                total[key] = total.get(key, 0) + value
    return total


def _pct(part: int | None, whole: int | None) -> float | None:
    if not whole:
        return None
    return (part or 0) * 100.0 / whole


def _build(assisted: int, row: dict[str, Any] | None) -> Aggregates:
    row = row or {}
    submitted = int(row.get("submitted") or 0)

    def rate(prefix: str, column: str) -> float | None:
        return _pct(row.get(f"{prefix}_{column}"), row.get(f"n_{column}"))

    def mean(column: str) -> float | None:
        n = row.get(f"n_{column}")
        return float(row.get(f"sum_{column}") or 0) / n if n else None

    return Aggregates(
        assisted=assisted,
        submitted=submitted,
        response_rate=_pct(submitted, assisted),
        metric_changes={key: mean(col) for key, col in METRIC_KEYS.items()},
        satisfaction_rates={key: rate("yes", col) for key, col in SATISFACTION_KEYS.items()},
        effect_obvious_rate=rate("yes", "effect"),
        effect_very_obvious_rate=_pct(row.get("very_effect"), row.get("n_effect")),
        maturity_rose_rate=rate("yes", "maturity"),
        burden_rate=rate("yes", "burden"),
        result_indicators={key: rate("yes", col) for key, col in RESULT_KEYS.items()},
    )


def _ledger_exists(year: int, ref: str) -> Exists:
    return Exists(LedgerRecord.objects.filter(enterprise=OuterRef(ref), programme_year_id=year))


def assisted_enterprises(year: int) -> QuerySet[Enterprise]:
    """The year's assisted enterprises: those with at least one ledger record for it."""
    return Enterprise.objects.filter(_ledger_exists(year, "pk"))


def counted_responses(year: int) -> QuerySet[Response]:
    """Submitted questionnaires of the year's assisted enterprises: the population of every aggregate."""
    return counted_responses_in([year])


def counted_responses_in(years: Sequence[int]) -> QuerySet[Response]:
    """``counted_responses`` of several years at once, each questionnaire counted for its own year."""
    assisted_that_year = Exists(LedgerRecord.objects.filter(enterprise=OuterRef("enterprise"),
                                                            programme_year_id=OuterRef("programme_year_id")))
    return Response.objects.filter(programme_year_id__in=list(years), status=ResponseStatus.SUBMITTED).filter(
        assisted_that_year)


def response_aggregates_by_subtree(*, responses: QuerySet[Response], units: Sequence[Scope], years: Sequence[int],
                                   assisted: Mapping[tuple[str, int], Any] | None = None
                                   ) -> dict[tuple[str, int], Aggregates]:
    """The aggregates of ``responses`` (counted ones: ``counted_responses_in`` narrowed down) in each unit's subtree
    and year, ``{(unit code, year): Aggregates}``: one query per depth of the units for all the years
    (``reporting.indicators.by_subtree``; every aggregate is a sum or a count, so the country adds up from its
    provinces). ``assisted`` gives the assisted enterprises per unit and year (the catalogue's
    ``assisted_enterprises``, the same count as ``assisted_enterprises(year)``'s) for the response rate and an
    entry for each unit and year with assisted enterprises; without it ``assisted`` is 0 and there is no rate."""
    exprs = _expressions()
    rows = by_subtree(responses, path="enterprise__district__path", year="programme_year_id", units=units,
                      years=years, additive=exprs, **exprs)
    counts = {at: int(n) for at, n in (assisted or {}).items() if n}
    return {at: _build(counts.get(at, 0), rows.get(at)) for at in rows.keys() | counts.keys()}


PROVINCE_PATH_LENGTH = len("000000/110000/")


def _with_year_response(enterprises: QuerySet[Enterprise], year: int) -> QuerySet[Enterprise]:
    """Each enterprise with its submitted questionnaire of the year (at most one, a unique constraint) as
    ``year_response``, absent when it has none."""
    return enterprises.annotate(year_response=FilteredRelation(
        "questionnaire_responses", condition=Q(questionnaire_responses__programme_year_id=year,
                                               questionnaire_responses__status=ResponseStatus.SUBMITTED)))


def _grouped(qs: QuerySet[Any], path: str, length: int, only: list[str] | None,
             **annotations: Any) -> list[dict[str, Any]]:
    qs = qs.annotate(prefix=Substr(path, 1, length))
    if only is not None:
        qs = qs.filter(prefix__in=only)
    return list(qs.values("prefix").annotate(**annotations).order_by())


def aggregates_by_unit(*, year: int, units: Sequence[OrgUnit]) -> dict[str, Aggregates]:
    """Aggregates of each unit's whole subtree, keyed by unit code.

    Units are grouped by the length of their path and each group costs one ``GROUP BY`` query on the path
    prefix of the enterprise's district: the year's assisted enterprises, each joined to its counted response
    (the submitted questionnaire of an assisted enterprise — the population of every aggregate). The country
    is the sum of its provincial units' groups (sums and counts add up exactly), so the nation together with
    all 32 provinces is still one query."""
    by_length: dict[int, list[OrgUnit]] = defaultdict(list)
    wants_country = False
    for unit in units:
        if len(unit.path) < PROVINCE_PATH_LENGTH:
            wants_country = True
            by_length.setdefault(PROVINCE_PATH_LENGTH, [])
        else:
            by_length[len(unit.path)].append(unit)
    result: dict[str, Aggregates] = {}
    exprs = _expressions(through="year_response__")
    enterprises = _with_year_response(assisted_enterprises(year), year)
    for length, group in by_length.items():
        prefixes = {u.path: u.code for u in group}
        everything = wants_country and length == PROVINCE_PATH_LENGTH
        rows = _grouped(enterprises, "district__path", length, None if everything else list(prefixes),
                        assisted=Count("id"), **exprs)
        by_prefix = {r["prefix"]: r for r in rows}
        for path, code in prefixes.items():
            row = by_prefix.get(path)
            result[code] = _build(row["assisted"] if row else 0, row)
        if everything:
            total = _merge(rows)
            result[COUNTRY_CODE] = _build(total.get("assisted", 0), total)
    return result


@dataclass(frozen=True)
class ResponseCounts:
    """The progress figures of :class:`Aggregates` alone: assisted, submitted and the response rate."""

    assisted: int
    submitted: int
    response_rate: float | None


def response_counts(*, year: int, unit: OrgUnit) -> ResponseCounts:
    """The same three figures as ``aggregates_by_unit`` for one unit's subtree, counted without the other
    aggregates (the dashboard panel and the progress page show only these)."""
    # One pass: the assisted enterprises, each joined to its questionnaire of the year (at most one, a
    # unique constraint); counted responses are the submitted ones among them.
    assisted = assisted_enterprises(year).annotate(
        year_response=FilteredRelation("questionnaire_responses",
                                       condition=Q(questionnaire_responses__programme_year_id=year)))
    if len(unit.path) >= PROVINCE_PATH_LENGTH:  # the country is everything
        assisted = assisted.filter(district__path__startswith=unit.path)
    row = assisted.order_by().aggregate(
        assisted=Count("pk"), submitted=Count("pk", filter=Q(year_response__status=ResponseStatus.SUBMITTED)))
    return ResponseCounts(row["assisted"], row["submitted"], _pct(row["submitted"], row["assisted"]))


def figures_topic(year: int) -> str:
    """The cache topic of a year's questionnaire figures (dropped when a questionnaire is submitted or
    reopened; the ledger side, the assisted enterprises, follows within the cache's minute)."""
    return f"questionnaire:{year}"


def _large(unit: OrgUnit) -> bool:
    """The country or a province: figures worth keeping for a minute (a district's are cheap)."""
    return len(unit.path) <= PROVINCE_PATH_LENGTH


def response_counts_figures(*, year: int, unit: OrgUnit) -> Figures[ResponseCounts]:
    """``response_counts``, kept for a minute for the country and the provinces. The figures are those of
    the unit's subtree whoever asks: callers check that the user may see the unit."""
    return cached_figures(figures_topic(year), "counts", unit.code,
                          compute=recompute(_response_counts_of, year, unit.code), live=not _large(unit))


def aggregates_by_unit_figures(*, year: int, units: Sequence[OrgUnit]) -> Figures[dict[str, Aggregates]]:
    """``aggregates_by_unit``, kept for a minute when a country or provincial unit is among ``units`` (the
    same for whoever asks: callers check that the user may see every unit)."""
    codes = sorted(u.code for u in units)
    return cached_figures(figures_topic(year), "aggregates", codes,
                          compute=recompute(_aggregates_of, year, codes),
                          live=not any(_large(u) for u in units))


@refreshable
def _response_counts_of(year: int, code: str) -> ResponseCounts:
    return response_counts(year=year, unit=OrgUnit.objects.get(code=code))


@refreshable
def _aggregates_of(year: int, codes: list[str]) -> dict[str, Aggregates]:
    by_code = OrgUnit.objects.in_bulk(codes, field_name="code")
    return aggregates_by_unit(year=year, units=[by_code[c] for c in codes if c in by_code])


def aggregates_for_enterprises(*, year: int, enterprises: QuerySet[Enterprise]) -> Aggregates:
    """Aggregates over a set of enterprises (e.g. a pilot region's), same method as for units."""
    ids = enterprises.values("pk")
    assisted = assisted_enterprises(year).filter(pk__in=ids).count()
    row = counted_responses(year).filter(enterprise__in=ids).aggregate(**_expressions())
    return _build(assisted, row)


def national_aggregates(*, year: int) -> Aggregates:
    country = OrgUnit(code=COUNTRY_CODE, path=f"{COUNTRY_CODE}/", level=OrgUnitLevel.COUNTRY)
    return aggregates_by_unit(year=year, units=[country])[COUNTRY_CODE]


# --------------------------------------------------------------------------- reads for a user


def latest_version(*, user: User | None = None) -> QuestionnaireVersion | None:
    """The newest questionnaire that has opened (else the newest at all)."""
    from django.utils import timezone

    opened = QuestionnaireVersion.objects.filter(opens_at__lte=timezone.now()).order_by("-programme_year_id")
    return opened.first() or QuestionnaireVersion.objects.order_by("-programme_year_id").first()


def response_for_enterprise(*, user: User, year: int) -> Response | None:
    return Response.objects.visible_to(user).filter(programme_year_id=year).first()


def aggregate_units_for(*, user: User) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The user's own unit and the units one level of reporting below it: HQ → the 32 provincial units,
    a province → its districts, a district → none."""
    if user.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT} and not user.is_superuser:
        return None, []
    own = user.org_unit or OrgUnit.objects.get(code=COUNTRY_CODE)
    if own.level == OrgUnitLevel.COUNTRY:
        children = OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)
    elif own.level == OrgUnitLevel.PROVINCE:
        children = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, path__startswith=own.path)
    else:
        children = OrgUnit.objects.none()
    return own, list(children.order_by("code"))


def progress_list(*, user: User, year: int, status: str = "", q: str = "") -> QuerySet[Enterprise]:
    """Assisted enterprises of the year in the user's scope, with their questionnaire status."""
    # One response per enterprise and year (a unique constraint). No ordering in the subqueries: the
    # model's default ordering would join and sort for every row.
    responses = Response.objects.filter(enterprise=OuterRef("pk"), programme_year_id=year).order_by()
    qs = (
        Enterprise.objects.visible_to(user)
        .filter(_ledger_exists(year, "pk"))
        .select_related("district")
        .annotate(
            q_status=Subquery(responses.values("status")[:1]),
            q_submitted_at=Subquery(responses.values("submitted_at")[:1]),
            q_response_id=Subquery(responses.values("pk")[:1]),
            q_late=Subquery(responses.values("is_late")[:1]),
            last_reminded=Subquery(
                Reminder.objects.filter(enterprise=OuterRef("pk"), programme_year_id=year)
                .values("enterprise").annotate(m=Max("sent_at")).values("m")[:1]
            ),
            has_account=Exists(User.objects.filter(enterprise=OuterRef("pk"), is_active=True)),
        )
    )
    # Status filters as (anti-)semi-joins rather than comparisons with the annotated subquery, which the
    # planner can only evaluate row by row.
    submitted = responses.filter(status=ResponseStatus.SUBMITTED)
    if status == "submitted":
        qs = qs.filter(Exists(submitted))
    elif status == "draft":
        qs = qs.filter(Exists(responses.filter(status=ResponseStatus.DRAFT)))
    elif status == "none":
        qs = qs.filter(~Exists(responses))
    elif status == "pending":
        qs = qs.filter(~Exists(submitted))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    return qs.order_by("district__code", "uscc")


def responses_in_scope(*, user: User, year: int) -> QuerySet[Response]:
    return (Response.objects.visible_to(user).filter(programme_year_id=year)
            .select_related("enterprise", "enterprise__district").order_by("enterprise__district__code",
                                                                           "enterprise__uscc"))


def reminders_for(*, user: User, year: int) -> QuerySet[Reminder]:
    return Reminder.objects.visible_to(user).filter(programme_year_id=year)


def code_candidates(*, user: User, q: str = "", only_without_account: bool = True) -> QuerySet[Enterprise]:
    """Enterprises the user may issue activation codes for, with account and latest-code status."""
    if user.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB} and not user.is_superuser:
        return Enterprise.objects.none()
    qs = Enterprise.objects.visible_to(user).select_related("district").annotate(
        has_account=Exists(User.objects.filter(enterprise=OuterRef("pk"), is_active=True)),
        last_code_at=Subquery(ActivationCode.objects.filter(enterprise=OuterRef("pk"))
                              .order_by("-created_at").values("created_at")[:1]),
        last_code_expires=Subquery(ActivationCode.objects.filter(enterprise=OuterRef("pk"))
                                   .order_by("-created_at").values("expires_at")[:1]),
    )
    if only_without_account:
        qs = qs.filter(has_account=False)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()) | Q(district__code=q))
    return qs.order_by("district__code", "uscc")
