"""Demo questionnaires: ~60,000 submitted at national scale, a few dozen in 天津 at demo scale.

The figures are drawn around the national averages of seeds 000/004 (revenue +10 %, sales +11 %,
profit margin +8 %, quality cost −6 %, first-pass yield +5 %, satisfaction +8 %; ~96 % satisfied; ~90 %
"effect obvious"; ~60 % report a notable burden; ~70 % rose a maturity level). The demo ``enterprise``
login's own questionnaire is left unanswered (and its district's deadline open) so it can be filled.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.models import User
from portal.seeding import SeedContext, seeder, sqlite_insert
from programme.models import CertificationBody, Deadline, DeadlineException, DeadlineKind, OrgUnit
from programme.seed import programme_years

from ..models import Enterprise, LedgerRecord
from .models import ChangeMode, QuestionnaireVersion, Response, ResponseStatus
from .selectors import CHANGE_CAP_HIGH, CHANGE_CAP_LOW
from .services import FIRST_DEFAULT_YEAR, questionnaire_defaults_load, questionnaire_version_create

# (key, typical "before" range, mean relative change %, sd) — rates in percent.
METRIC_PROFILE: dict[str, tuple[float, float, float, float]] = {
    "revenue": (80, 1800, 10.2, 9.0),
    "sales": (60, 1600, 10.9, 9.0),
    "profit_margin": (3, 18, 8.3, 10.0),
    "quality_cost": (2, 9, -6.0, 6.0),
    "first_pass_yield": (82, 95, 5.0, 3.0),
    "conversion": (40, 80, 6.0, 6.0),
    "defect_rate": (1, 6, -25.0, 15.0),
    "customer_satisfaction": (78, 90, 8.0, 4.0),
    "complaint_rate": (0.5, 5, -30.0, 15.0),
}


def minimal_ledger_record(*, enterprise: Enterprise, year: int, certification_body_id: int) -> LedgerRecord:
    """A ledger record with only what the schema requires, for demo data and benchmarks where no CB
    upload has produced one (every other field keeps its default)."""
    values: dict[str, Any] = {"programme_year_id": year, "certification_body_id": certification_body_id,
                              "enterprise": enterprise}
    for field in LedgerRecord._meta.concrete_fields:
        if (field.name in values or field.attname in values or field.primary_key or field.null
                or field.has_default() or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
            continue
        if isinstance(field, models.ForeignKey):
            if field.related_model is OrgUnit:
                values[field.name] = enterprise.district
        elif isinstance(field, models.DateField):
            values[field.name] = dt.date(year, 7, 1) if "start" in field.name else dt.date(year, 9, 30)
        elif isinstance(field, models.CharField):
            if field.choices:
                values[field.name] = getattr(enterprise, "industry", "") if "industry" in field.name \
                    else field.choices[0][0]
            elif "name" in field.name:
                values[field.name] = enterprise.name
            elif field.name == "dimensions":
                values[field.name] = "quality_mgmt"
            elif field.name == "modes":
                values[field.name] = "diagnosis"
            else:
                values[field.name] = ""
        elif isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
            values[field.name] = 0
    return LedgerRecord(**values)


def ensure_assisted(*, enterprises: Iterable[Enterprise], year: int, cb_ids: list[int], rng: random.Random,
                    known_new: bool = False) -> None:
    enterprises = list(enterprises)
    have = set() if known_new else set(
        LedgerRecord.objects.filter(programme_year_id=year, enterprise__in=enterprises)
        .values_list("enterprise_id", flat=True))
    rows = [minimal_ledger_record(enterprise=e, year=year, certification_body_id=rng.choice(cb_ids))
            for e in enterprises if e.pk not in have]
    LedgerRecord.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _pick(rng: random.Random, population: Sequence[Any], weights: Sequence[float]) -> Any:
    """``rng.choices`` with the cumulative weights computed once per call site."""
    key = (tuple(population), tuple(weights))
    cumulative = _CUMULATIVE.get(key)
    if cumulative is None:
        cumulative = _CUMULATIVE[key] = list(itertools.accumulate(weights))
    return rng.choices(population, cum_weights=cumulative)[0]


_CUMULATIVE: dict[tuple[Any, ...], list[float]] = {}


def _level(rng: random.Random) -> int:
    return int(_pick(rng, [1, 2, 3, 4], [35, 40, 20, 5]))


@dataclass(frozen=True)
class YearProfile:
    """What the enterprises of a year answer on average (the national figures of that year)."""

    effect_obvious: float = 0.90  # share answering 明显 or 非常明显
    effect_very: float = 0.52  # share answering 非常明显
    metric_scale: float = 1.0  # the mean changes of METRIC_PROFILE times this
    results_shift: float = 0.0  # added to every result indicator's positive share


# The programme's course from 2020 (seed 000: the effect rose two years, 97 % "obvious" in 2022, then 90 % in 2023).
YEAR_PROFILES: dict[int, YearProfile] = {
    2020: YearProfile(0.88, 0.40, 0.75, -0.06),
    2021: YearProfile(0.93, 0.46, 0.85, -0.03),
    2022: YearProfile(0.97, 0.55, 0.95, 0.0),
    2023: YearProfile(0.90, 0.518, 1.0, 0.0),
    2024: YearProfile(0.91, 0.53, 0.95, 0.01),
    2025: YearProfile(0.92, 0.55, 0.97, 0.02),
}
LATER_PROFILE = YearProfile(0.92, 0.56, 0.98, 0.025)

# National figures the seeds state, which the answers of that year are calibrated to (percent; mean changes in
# percent): seed 000 for 2022–2023 (in 2023 the pilots' enterprises saw a very obvious effect in 63.0 %, 11.2
# points above the nation's 51.8 %), seed 004 for 2024.
YEAR_TARGETS: dict[int, dict[str, float]] = {
    2022: {"effect_obvious": 97.0},
    2023: {"effect_obvious": 90.0, "effect_very": 51.8, "pilot_effect_very": 63.0, "sat_training": 96.4,
           "sat_cb_ability": 97.0,
           "sat_cb_attitude": 97.0, "revenue": 10.2, "sales": 10.9, "profit_margin": 8.3, "quality_cost": -6.0,
           "first_pass_yield": 5.0, "conversion": 5.0, "customer_satisfaction": 8.0},
    2024: {"revenue": 9.7, "profit_margin": 8.0, "quality_cost": -5.8},
}
# Positive shares of the questions behind the six result indicators (annex 1), for an average unit.
RESULT_BASE = {"operating_effect": 0.84, "quality_effect": 0.89, "qm_effect": 0.92, "credit_brand": 0.45,
               "digital": 0.38, "lasting": 0.92}
SATISFACTION_BASE = {"sat_training": 0.955, "sat_cb_ability": 0.965, "sat_cb_attitude": 0.965, "sat_policy": 0.92,
                     "sat_follow_up": 0.90}
# How strongly a unit's standing (0 = the weakest, 1 = the best of the year, ``ctx.data["standing"]``) moves its
# enterprises' answers: result shares ±15 points, satisfaction ±4, the effect ±4, the mean changes ±1.5.
RESULT_SPREAD, SATISFACTION_SPREAD, EFFECT_SPREAD, METRIC_SPREAD = 0.30, 0.08, 0.08, 3.0


def _clamp(value: float, low: float = 0.02, high: float = 0.995) -> float:
    return max(low, min(high, value))


def generate_responses(*, rng: random.Random, version: QuestionnaireVersion, enterprise_ids: list[int],
                       submitted_share: float = 1.0, standing: dict[int, float] | None = None,
                       profile: YearProfile | None = None,
                       window: tuple[dt.datetime, dt.datetime] | None = None) -> list[Response]:
    """Deterministic synthetic answers (and their derived columns) for the given enterprises. ``standing`` gives
    each enterprise its unit's standing (0–1, default 0.5) and ``profile`` the year's averages; submissions fall in
    ``window`` (by default the twenty days from 1 November)."""
    questions = {q.key: q for q in version.questions.all()}
    year = version.year
    profile = profile or YEAR_PROFILES.get(year, LATER_PROFILE)
    base = dt.datetime(year, 11, 1, 9, tzinfo=timezone.get_default_timezone())
    minutes = 20 * 24 * 60
    if window is not None:
        base = window[0]
        minutes = max(1, int((window[1] - window[0]).total_seconds() // 60))
    standing = standing or {}
    rows = []
    for enterprise_id in enterprise_ids:
        q = standing.get(enterprise_id, 0.5) - 0.5
        answers: dict[str, Any] = {}
        columns: dict[str, Any] = {}
        for key, (lo, hi, mean, sd) in METRIC_PROFILE.items():
            question = questions.get(key)
            if question is None:
                continue
            before = round(rng.uniform(lo, hi), 2)
            direction = 1 if mean >= 0 else -1
            rel = rng.gauss(mean * profile.metric_scale + direction * q * METRIC_SPREAD, sd)
            after = round(max(0.0, min(float(question.max_value or 1e9), before * (1 + rel / 100))), 2)
            answers[key] = {"before": str(before), "after": str(after)}
            columns[f"chg_{key}"] = _change(question, before, after)
        m_before = _level(rng)
        m_after = min(4, m_before + _pick(rng, [0, 1, 2], [30, 62, 8]))
        answers["maturity"] = {"before": str(m_before), "after": str(m_after)}
        columns.update(maturity_before=m_before, maturity_after=m_after)
        for key, share in SATISFACTION_BASE.items():
            if rng.random() < _clamp(share + q * SATISFACTION_SPREAD):
                value = 5 if rng.random() < 0.64 else 4
            else:
                value = _pick(rng, [3, 2, 1], [75, 18, 7])
            answers[key] = str(value)
            columns[key] = value
        obvious = _clamp(profile.effect_obvious + q * EFFECT_SPREAD)
        very = _clamp(profile.effect_very / profile.effect_obvious + q * 2 * EFFECT_SPREAD)
        effect = _effect(rng, obvious, very)
        answers["effect"] = str(effect)
        columns["effect"] = effect
        burden = rng.random() < 0.6
        answers["burden"] = "yes" if burden else "no"
        columns["burden"] = burden
        for key, column in (("operating_effect", "res_operating"), ("quality_effect", "res_quality"),
                            ("qm_effect", "res_qm_level")):
            if rng.random() < _clamp(RESULT_BASE[key] + profile.results_shift + q * RESULT_SPREAD):
                choice = "much" if rng.random() < 0.45 else "some"
            else:
                choice = "same" if rng.random() < 0.85 else "worse"
            answers[key] = choice
            columns[column] = choice in {"much", "some"}
        for key, column in (("credit_brand", "res_credit_brand"), ("digital", "res_digital")):
            yes = rng.random() < _clamp(RESULT_BASE[key] + profile.results_shift + q * RESULT_SPREAD)
            answers[key] = "yes" if yes else "no"
            columns[column] = yes
        if rng.random() < _clamp(RESULT_BASE["lasting"] + profile.results_shift + q * RESULT_SPREAD):
            lasting = "keep_improve" if rng.random() < 0.76 else "keep"
        else:
            lasting = "unsure" if rng.random() < 0.88 else "drop"
        answers["lasting"] = lasting
        columns["res_lasting"] = lasting in {"keep_improve", "keep"}
        if rng.random() < 0.1:
            answers["suggestions"] = rng.choice(["希望增加一对一上门指导次数。", "建议延长持续跟踪服务期。",
                                                 "希望出台更多认证费用补贴政策。", "=建议简化填报材料"])
        submitted = rng.random() < submitted_share
        rows.append(Response(
            version=version, programme_year_id=year, enterprise_id=enterprise_id, answers=answers,
            status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
            submitted_at=base + dt.timedelta(minutes=int(rng.random() * minutes)) if submitted else None,
            **columns,
        ))
    return rows


def _effect(rng: random.Random, obvious: float, very: float) -> int:
    if rng.random() < obvious:
        return 4 if rng.random() < very else 3
    return 2 if rng.random() < 0.8 else 1


def _change(question: Any, before: float, after: float) -> float | None:
    if question.change_mode == ChangeMode.POINTS:
        return after - before
    return (after - before) / before * 100 if before > 0 else None


def _capped(value: float) -> float:
    return max(CHANGE_CAP_LOW, min(CHANGE_CAP_HIGH, value))


RATE_TARGETS = ("effect_obvious", "effect_very", "sat_training", "sat_cb_ability", "sat_cb_attitude")


# Seed 000 writes the pilots' gap as 11.2 points: the two rates are chosen so that each shows its figure and
# their difference shows 11.2.
PILOT_GAP = 11.2


def attainable(n: int, rates: Iterable[tuple[float, float]]) -> bool:
    """Whether ``n`` answers can show each rate (percent) within its tolerance (0.05: exact at one decimal)."""
    return n > 0 and all(abs(round(p * n / 100) * 100 / n - p) < tol - 1e-9 for p, tol in rates)


def attainable_size(n: int, rates: list[tuple[float, float]]) -> int:
    """The largest count not above ``n`` whose shares can show every rate (``n`` if none within 400)."""
    for size in range(n, max(0, n - 400), -1):
        if attainable(size, rates):
            return size
    return n


def _rates(targets: dict[str, float], keys: Iterable[str],
           tolerance: dict[str, float] | None = None) -> list[tuple[float, float]]:
    return [(targets[k], (tolerance or {}).get(k, 0.05)) for k in keys if k in targets]


def calibrate(*, rng: random.Random, version: QuestionnaireVersion, rows: list[Response],
              targets: dict[str, float], pilots: set[int] | None = None) -> None:
    """Move the submitted answers just enough that the year's national figures are the ones the seeds state:
    mean changes (every answer shifted alike), the effect and satisfaction rates (the fewest answers changed,
    picked at random; the pilots' enterprises ``pilots`` get their own "very obvious" rate)."""
    submitted = [r for r in rows if r.status == ResponseStatus.SUBMITTED]
    if not submitted:
        return
    questions = {q.key: q for q in version.questions.all()}
    for key, target in targets.items():
        question = questions.get(key)
        if key in METRIC_PROFILE and question is not None:
            _calibrate_metric(submitted, key, question, target)

    def wanted(rate: float, n: int) -> int:
        return round(rate * n / 100)

    if "effect_obvious" in targets:  # 2 <-> 3 moves "obvious" and leaves "very obvious" alone
        _flip(rng, submitted, "effect", wanted(targets["effect_obvious"], len(submitted)), lambda v: v >= 3,
              up=(2, 3), down=(3, 2))
    if "effect_very" in targets:  # 3 <-> 4 moves "very obvious" and leaves "obvious" alone
        others = submitted
        very = wanted(targets["effect_very"], len(submitted))
        if pilots and "pilot_effect_very" in targets:
            in_pilot = [r for r in submitted if r.enterprise_id in pilots]
            others = [r for r in submitted if r.enterprise_id not in pilots]
            pilot_very = wanted(targets["pilot_effect_very"], len(in_pilot))
            _flip(rng, in_pilot, "effect", pilot_very, lambda v: v == 4, up=(3, 4), down=(4, 3))
            very -= pilot_very
        _flip(rng, others, "effect", very, lambda v: v == 4, up=(3, 4), down=(4, 3))
    for key in SATISFACTION_BASE:
        if key in targets:
            _flip(rng, submitted, key, wanted(targets[key], len(submitted)), lambda v: v >= 4, up=(3, 4),
                  down=(4, 3))


def _calibrate_metric(rows: list[Response], key: str, question: Any, target: float) -> None:
    column = f"chg_{key}"
    ceiling = float(question.max_value or 1e9)
    points = question.change_mode == ChangeMode.POINTS
    for _round in range(6):
        present = [r for r in rows if getattr(r, column) is not None]
        if not present:
            return
        delta = target - sum(_capped(getattr(r, column)) for r in present) / len(present)
        if abs(delta) < 0.002:
            return
        for r in present:
            before = float(r.answers[key]["before"])
            after = float(r.answers[key]["after"])
            after = round(max(0.0, min(ceiling, after + (delta if points else delta * before / 100))), 2)
            r.answers[key]["after"] = str(after)
            setattr(r, column, _change(question, before, after))


def _flip(rng: random.Random, rows: list[Response], key: str, wanted: int, counts: Any,
          *, up: tuple[int, int], down: tuple[int, int]) -> None:
    """Change single answers of ``key`` (``up``: from → to, or ``down``) until ``wanted`` rows count."""
    have = sum(1 for r in rows if counts(getattr(r, key)))
    source, dest = up if wanted > have else down
    candidates = [r for r in rows if getattr(r, key) == source]
    rng.shuffle(candidates)
    for r in candidates[: abs(wanted - have)]:
        setattr(r, key, dest)
        r.answers[key] = str(dest)


def bulk_insert_responses(rows: list[Response]) -> None:
    """Write many responses fast: PostgreSQL ``COPY`` (60,000 rows in seconds), ``bulk_create`` elsewhere."""
    fields = [f for f in Response._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    if connection.vendor == "sqlite":
        sqlite_insert(Response, [f.attname for f in fields], (
            [now if f.name in {"created_at", "updated_at"} else getattr(row, f.attname) for f in fields]
            for row in rows))
        return
    if connection.vendor != "postgresql":
        Response.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        return
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY {Response._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = getattr(row, f.attname)
                    if isinstance(f, models.JSONField):
                        value = json.dumps(value, ensure_ascii=False)
                    elif f.name in {"created_at", "updated_at"}:
                        value = now
                    values.append(value)
                copy.write_row(values)


def _keep_demo_district_open(year: int, district: OrgUnit) -> None:
    """A dated exception for 北辰区 (granted by 天津), 60 days past the questionnaire deadline."""
    deadline = Deadline.objects.filter(programme_year_id=year, kind=DeadlineKind.QUESTIONNAIRE).first()
    granter = User.objects.filter(username="tianjin").first()
    if deadline is None or granter is None:
        return
    if DeadlineException.objects.filter(deadline=deadline, org_unit=district).exists():
        return
    DeadlineException.objects.create(
        deadline=deadline, org_unit=district, granted_by_unit=granter.org_unit, granted_by=granter,
        open_until=max(deadline.due_at, timezone.now()) + dt.timedelta(days=60),
        reason="演示：延长北辰区企业调查问卷填报时间",
    )


# Who answers: a past year's questionnaire is closed (no drafts left; 72–92 % of the assisted enterprises answered,
# the better-placed units more); in the current year it is open: about half have submitted, some hold a draft.
# At national scale a past year holds at most NATIONAL_YEAR_CAP answers (a sample; the current year is larger).
NATIONAL_YEAR_CAP = 20_000
NATIONAL_CURRENT_CAP = 40_000
CURRENT_SUBMITTED, CURRENT_DRAFT = 0.55, 0.12


def ensure_versions(years: list[int]) -> None:
    """Every programme year gets its questionnaire: before 2024 (the first year the portal's default applies) the
    default questions as well."""
    for year in years:
        if year < FIRST_DEFAULT_YEAR and not QuestionnaireVersion.objects.filter(programme_year_id=year).exists():
            questionnaire_version_create(actor=None, year=year, source="seed")
    questionnaire_defaults_load()


@seeder(order=94)
@transaction.atomic
def seed_questionnaires(ctx: SeedContext) -> None:
    """The year-end questionnaire of every programme year since 2020, answered by the assisted enterprises of every
    provincial unit; a unit's answers follow its standing that year (``ctx.data["standing"]``), so the evaluation's
    questionnaire part differs between units, and the national figures the seeds state are met."""
    years = [int(y) for y in (ctx.data.get("years") or programme_years())]
    if connection.vendor == "postgresql":
        # Who was assisted each year is read from the freshly bulk-loaded ledger: give the planner statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ensure_versions(years)
    current = timezone.localdate().year
    for year in years:
        _seed_year(ctx, year, current=year == current)
    ctx.data["questionnaire_year"] = years[-1] if years else None


def _seed_year(ctx: SeedContext, year: int, *, current: bool) -> None:
    version = QuestionnaireVersion.objects.get(programme_year_id=year)
    if Response.objects.filter(programme_year_id=year).exists():
        ctx.write(f"  questionnaires {year}: already seeded")
        return
    rng = ctx.rng
    cb_ids = list(CertificationBody.objects.values_list("pk", flat=True))
    demo_enterprise_id = User.objects.filter(username="enterprise").values_list("enterprise_id", flat=True).first()
    on_ledger = Exists(LedgerRecord.objects.filter(enterprise=OuterRef("pk"), programme_year_id=year))
    assisted = list(Enterprise.objects.filter(on_ledger).exclude(pk=demo_enterprise_id).order_by("pk")
                    .values_list("pk", "district__path"))
    standings = (ctx.data.get("standing") or {}).get(year, {})
    standing: dict[int, float] = {}
    for pk, path in assisted:
        codes = [c for c in path.split("/") if c]
        province = standings.get(codes[1], 0.5)
        district = standings.get(codes[-1])
        # Within a province its districts differ too (天津 evaluates its districts on these answers).
        standing[pk] = province if district is None else _clamp(province + (district - 0.5) * 0.8, 0.0, 1.0)
    if current:
        share_of = {pk: CURRENT_SUBMITTED + CURRENT_DRAFT for pk, _ in assisted}
    else:
        share_of = {pk: 0.72 + 0.2 * standing[pk] for pk, _ in assisted}
    cap = (NATIONAL_CURRENT_CAP if current else NATIONAL_YEAR_CAP) if ctx.national else None
    answering = [pk for pk, _ in assisted if rng.random() < share_of[pk]]
    if cap is not None and len(answering) > cap:
        answering = sorted(rng.sample(answering, cap))
    targets = YEAR_TARGETS.get(year, {})
    pilots = set(LedgerRecord.objects.filter(programme_year_id=year).exclude(pilot_region="")
                 .values_list("enterprise_id", flat=True))
    if targets and not current:
        # As many answers as let every rate the seeds state show exactly (a few fewer enterprises answered).
        # The ones who did not answer are drawn at random (every unit keeps its answers).
        in_pilot = [pk for pk in answering if pk in pilots]
        tolerance: dict[str, float] = {}
        if "pilot_effect_very" in targets and "effect_very" in targets and in_pilot:
            n = attainable_size(len(in_pilot), _rates(targets, ["pilot_effect_very"]))
            in_pilot = rng.sample(in_pilot, n)
            pilot_rate = round(targets["pilot_effect_very"] * n / 100) * 100 / n
            # The nation's rate: shows its figure, and the gap to the pilots' shows PILOT_GAP.
            low = max(targets["effect_very"] - 0.05, pilot_rate - PILOT_GAP - 0.05)
            high = min(targets["effect_very"] + 0.05, pilot_rate - PILOT_GAP + 0.05)
            if low < high:
                targets = {**targets, "effect_very": (low + high) / 2}
                tolerance["effect_very"] = (high - low) / 2
        others = [pk for pk in answering if pk not in pilots]
        rates = _rates(targets, RATE_TARGETS, tolerance)
        size = attainable_size(len(in_pilot) + len(others), rates) if rates else len(answering)
        answering = sorted(in_pilot + rng.sample(others, max(0, min(len(others), size - len(in_pilot)))))
    if current:  # since the questionnaire opened (two weeks ago: programme.seed.CURRENT_PHASES)
        window = (min(version.opens_at, timezone.now() - dt.timedelta(hours=1)), timezone.now())
    else:  # the first two weeks of November, before the deadline
        start = dt.datetime(year, 11, 1, 9, tzinfo=timezone.get_default_timezone())
        window = (start, start + dt.timedelta(days=13))
    rows = generate_responses(
        rng=rng, version=version, enterprise_ids=answering, standing=standing, window=window,
        submitted_share=CURRENT_SUBMITTED / (CURRENT_SUBMITTED + CURRENT_DRAFT) if current else 1.0,
    )
    calibrate(rng=rng, version=version, rows=rows, targets=targets, pilots=pilots)
    bulk_insert_responses(rows)
    if current and demo_enterprise_id and cb_ids:
        demo = Enterprise.objects.select_related("district").get(pk=demo_enterprise_id)
        ensure_assisted(enterprises=[demo], year=year, cb_ids=cb_ids, rng=rng)
        _keep_demo_district_open(year, demo.district)
    submitted = sum(1 for r in rows if r.status == ResponseStatus.SUBMITTED)
    rate = f"{submitted * 100 / len(assisted):.0f}%" if assisted else "—"
    ctx.write(f"  questionnaires {year}: {submitted} submitted ({rate} of {len(assisted)} assisted), "
              f"{len(rows) - submitted} drafts")
