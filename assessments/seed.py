"""Demo data of the evaluation: self-assessments, expert scores and results of every programme year since 2020,
national (the 32 provincial units) and 天津's (its 16 districts, "以区为单位"). Past years are published; the
current year is under way (self-assessments due in a few weeks, experts scoring).

Seed 000 is reproduced: the 2023 provincial self-assessment figures add up exactly to its national figures
(1,108 incentive policies, 320 亿元 credit support, 3.7 亿元 subsidies ...; 2022 and 2024 hold the figures seeds 000
and 004 give for them), and the 2023 ranking is its top ten — 浙江、江苏、河北、山东、山西、上海、湖北、福建、辽宁、
河南 in that order — with 四川、陕西、甘肃、江西、天津 the most improved on 2022 (the five largest rises in rank).

How: :func:`plan_standings` (before the questionnaires) decides each year's order of the units and gives each
unit its standing, which the questionnaire seed turns into its enterprises' answers. After the questionnaires,
the questionnaire part of every unit's score is computed from those real answers exactly as the evaluation
computes it (``scoring.score_units``), and the experts' scores are set so that each total falls where the order
puts it; the evaluation is then computed by ``services.evaluation_compute`` itself. Everything is bulk-written and
deterministic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.models import User
from portal.roles import Role
from portal.seeding import SeedContext, seeder
from portal.services import user_create
from programme.models import COUNTRY_CODE, CertificationBody, OrgUnit, OrgUnitLevel
from programme.seed import programme_years, reach_of

from . import scoring, services
from .models import (
    FIGURE_FIELDS,
    MAX_CASES_PER_DISTRICT,
    MONEY_FIGURES,
    Evaluation,
    EvaluationStatus,
    ExcellentCase,
    ExpertAssignment,
    ExpertScore,
    IndicatorItem,
    Method,
    Narrative,
    ReferenceIndicator,
    SelfAssessment,
    SelfAssessmentStatus,
    TrainingCourse,
)
from .questionnaire_adapter import figures_by_unit

# Seed 000: the 2023 national totals (万元 for money).
NATIONAL_2023 = {
    "incentive_policies": 1108, "government_plan_policies": 81, "credit_policies": 179,
    "credit_support": 3_200_000, "fiscal_subsidies": 37_000, "cross_department_policies": 219,
    "cbs_involved": 457, "parks_involved": 1785, "associations_involved": 277, "alliances_involved": 86,
    "experts_involved": 4500, "training_sessions": 14_000, "publicity_materials": 725_000, "media_reports": 6586,
    "cases_compiled": 2240, "videos": 821, "papers": 697,
}
# What the seeds say of other years: 2023's 1,108 policies were "比2022年增加93%" (seed 000); seed 004 gives 2024's
# 1,636 policies, 608.5 亿元 credit support, 468 CBs, 7,600 experts, 2,000 parks and 480余 associations and alliances.
NATIONAL_BY_YEAR: dict[int, dict[str, int]] = {
    2022: {"incentive_policies": 574},
    2023: NATIONAL_2023,
    2024: {"incentive_policies": 1636, "credit_support": 6_085_000, "cbs_involved": 468, "experts_involved": 7600,
           "parks_involved": 2000, "associations_involved": 362, "alliances_involved": 121},
}
# The other figures grow with the programme, relative to 2023.
SA_GROWTH = {2020: 0.22, 2021: 0.36, 2022: 0.52, 2023: 1.0, 2024: 1.45, 2025: 1.7}
LATER_GROWTH = 1.85

TOP_2023 = ["330000", "320000", "130000", "370000", "140000", "310000", "420000", "350000", "210000", "410000"]
# Seed 000: in the 2023 evaluation 四川, 陕西, 甘肃, 江西 and 天津 "排名进步较大": low in 2022, just below the top
# ten in 2023, each rising more than any other unit (20, 18, 16, 14 and 12 places).
RISERS_2023 = ["510000", "610000", "620000", "360000", "120000"]
EXPERTS = 6
SCORING_EXPERTS = 5
TZ = ZoneInfo(settings.TIME_ZONE)

# Planned totals: the first unit TOP_TOTAL, each next one STEP lower (at least GAP, whatever the questionnaire
# part); the expert part stays within [EXPERT_MIN, EXPERT_MAX] of its points.
TOP_TOTAL, STEP, GAP = 88.0, 0.75, 0.45
EXPERT_MIN, EXPERT_MAX = 0.30, 0.985


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up exactly to ``total``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _strength(code: str) -> float:
    """A fixed level per unit (0–1), so that the units not named by the seeds keep their place from year to year."""
    return (int(code) * 7919 % 101) / 101


# ---- the plan: each year's order of the units ------------------------------------------------------------


def national_order(ctx: SeedContext, codes: list[str], year: int) -> list[str]:
    """The provincial units of ``year`` from first to last. 2023 is seed 000's; in 2022 its top ten lead too
    (in a slightly different order) and its five risers are 27th–31st; other years drift around these places."""
    rng = ctx.rng
    named = set(TOP_2023) | set(RISERS_2023)
    others = sorted((c for c in codes if c not in named), key=lambda c: (-_strength(c), c))
    top = [c for c in TOP_2023 if c in codes]
    risers = [c for c in RISERS_2023 if c in codes]
    if year == 2023:
        return top + risers + others
    if year == 2022:
        shuffled = list(top)
        for i in (0, 4, 7):  # 江苏/浙江, 上海/山西, 辽宁/福建 swap places
            if i + 1 < len(shuffled):
                shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
        return shuffled + others[:-1] + risers[::-1] + others[-1:]
    level: dict[str, float] = {c: 5 * _strength(c) for c in others}
    for n, code in enumerate(top):
        level[code] = 10 - n * 0.3
    for n, code in enumerate(risers):
        level[code] = (-2 + _strength(code)) if year < 2022 else 6.2 - n * 0.3
    noisy = {c: v + rng.gauss(0, 0.6) for c, v in level.items()}
    return sorted(codes, key=lambda c: (-noisy[c], c))


def district_order(ctx: SeedContext, codes: list[str], year: int) -> list[str]:
    noisy = {c: 5 * _strength(c) + ctx.rng.gauss(0, 1.2) for c in codes}
    return sorted(codes, key=lambda c: (-noisy[c], c))


def _standing(order: list[str]) -> dict[str, float]:
    """1 for the first unit, 0 for the last."""
    last = max(1, len(order) - 1)
    return {code: 1 - i / last for i, code in enumerate(order)}


@seeder(order=15)
def plan_standings(ctx: SeedContext) -> None:
    """Each year's planned order of the provincial units and of 天津's districts (``ctx.data["order"]``) and each
    unit's standing in it (``ctx.data["standing"]``: year -> code -> 0–1), read by the questionnaire seed."""
    years = ctx.data.get("years") or programme_years()
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE, is_active=True).order_by("code")
                     .values_list("code", flat=True))
    tianjin = OrgUnit.objects.get(code="120000")
    districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True,
                                            path__startswith=tianjin.path).order_by("code")
                     .values_list("code", flat=True))
    orders: dict[tuple[str, int], list[str]] = {}
    standing: dict[int, dict[str, float]] = {}
    for year in years:
        orders[(COUNTRY_CODE, year)] = national_order(ctx, provinces, year)
        orders[(tianjin.code, year)] = district_order(ctx, districts, year)
        standing[year] = {**_standing(orders[(COUNTRY_CODE, year)]), **_standing(orders[(tianjin.code, year)])}
    ctx.data["order"] = orders
    ctx.data["standing"] = standing


# ---- self-assessments ------------------------------------------------------------------------------------


def _experts(ctx: SeedContext) -> list[User]:
    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    experts = []
    for n in range(1, EXPERTS + 1):
        username = f"expert{n:02d}"
        user = User.objects.filter(username=username).first() or user_create(
            actor=None, username=username, password=ctx.password, role=Role.EXPERT, org_unit=country,
            full_name=f"评估专家{n:02d}", check_password=False, source="seed")
        experts.append(user)
    return experts


def _year_totals(ctx: SeedContext, year: int, n_units: int) -> dict[str, int]:
    pinned = NATIONAL_BY_YEAR.get(year, {})
    growth = SA_GROWTH.get(year, LATER_GROWTH)
    return {name: pinned.get(name) or int(NATIONAL_2023[name] * growth * ctx.rng.uniform(0.92, 1.08) * n_units / 32)
            for name, _label, _unit in FIGURE_FIELDS}


def _figures(columns: dict[str, list[int]], i: int, share: float = 1.0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _label, _unit in FIGURE_FIELDS:
        value = int(columns[name][i] * share)
        out[name] = Decimal(value) if name in MONEY_FIGURES else value
    return out


def _self_assessments(ctx: SeedContext, year: int, units: list[OrgUnit], totals: dict[str, int], *,
                      current: bool, statuses: dict[str, str | None] | None = None) -> dict[str, dict[str, Any]]:
    """The units' self-assessments of ``year``; a past year's are all accepted and its figures add up to
    ``totals`` exactly, split by each unit's reach that year. The current year's are in progress: submitted
    (awaiting review), drafts, or not begun (``statuses`` fixes some units'). Returns the figures by unit code."""
    existing = SelfAssessment.objects.filter(programme_year_id=year, unit__in=units)
    if existing.exists():  # seeded before: keep what is there
        return {sa.unit.code: {name: getattr(sa, name) for name, _l, _u in FIGURE_FIELDS}
                for sa in existing.select_related("unit")}
    rng = ctx.rng
    weights = [max(0.05, reach_of(ctx, year, *_codes(u))) * rng.uniform(0.7, 1.3) for u in units]
    columns = {name: _split(int(totals[name]), weights) for name, _label, _unit in FIGURE_FIELDS}
    submitted = dt.datetime(year, 10, 25, 16, 0, tzinfo=TZ)
    now = timezone.now()
    rows = []
    figures: dict[str, dict[str, Any]] = {}
    for i, unit in enumerate(units):
        summary = f"{year}年，{unit.name}围绕组织发动、宣传培训、企业帮扶三个方面扎实推进提升行动。"
        if not current:
            late = rng.random() < 0.08
            figures[unit.code] = _figures(columns, i)
            rows.append(SelfAssessment(
                programme_year_id=year, unit=unit, status=SelfAssessmentStatus.ACCEPTED, summary=summary,
                submitted_at=submitted + dt.timedelta(days=6 if late else rng.randint(-5, 0)), is_late=late,
                reviewed_at=submitted + dt.timedelta(days=8), **figures[unit.code]))
            continue
        draw = rng.random()
        status = (statuses or {}).get(unit.code, SelfAssessmentStatus.SUBMITTED if draw < 0.4
                                      else SelfAssessmentStatus.DRAFT if draw < 0.75 else None)
        if status is None:
            continue
        is_submitted = status == SelfAssessmentStatus.SUBMITTED
        figures[unit.code] = _figures(columns, i, 1.0 if is_submitted else rng.uniform(0.3, 0.8))
        rows.append(SelfAssessment(
            programme_year_id=year, unit=unit, status=status, summary=summary if is_submitted else "",
            submitted_at=now - dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)) if is_submitted
            else None, **figures[unit.code]))
    SelfAssessment.objects.bulk_create(rows, ignore_conflicts=True)
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=year))
    sas = SelfAssessment.objects.filter(programme_year_id=year, unit__in=units).select_related("unit")
    Narrative.objects.bulk_create([
        Narrative(self_assessment=sa, item=item, text=f"{sa.unit.name}{item.name}：印发方案、专题部署、持续跟踪。")
        for sa in sas for item in items
    ], ignore_conflicts=True)
    return figures


def _codes(unit: OrgUnit) -> list[str]:
    return [c for c in unit.path.split("/") if c][1:]


# ---- scores that put the units in the planned order --------------------------------------------------------


def _item_specs(year: int) -> tuple[list[scoring.ItemSpec], list[str]]:
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=year).select_related("area").order_by("order"))
    specs = [scoring.ItemSpec(code=i.code, area=i.area.number, method=i.method, weight=i.weight,
                              scale_max=i.scale_max) for i in items]
    keys = list(ReferenceIndicator.objects.filter(item__scheme__programme_year_id=year).exclude(result_key="")
                .order_by("item__order", "number").values_list("result_key", flat=True))
    return specs, keys


def planned_totals(order: list[str], questionnaire: dict[str, Decimal], expert_points: float) -> dict[str, float]:
    """A total per unit, falling along ``order`` (first highest) and leaving the experts a part within
    [EXPERT_MIN, EXPERT_MAX] of their points above each unit's questionnaire part (bottom-up, so that the gaps
    hold whatever the questionnaire gave)."""
    totals: dict[str, float] = {}
    below: float | None = None
    for rank in range(len(order), 0, -1):
        code = order[rank - 1]
        q = float(questionnaire[code])
        total = max(TOP_TOTAL - (rank - 1) * STEP, q + EXPERT_MIN * expert_points,
                    (below + GAP) if below is not None else 0.0)
        totals[code] = min(total, q + EXPERT_MAX * expert_points)
        below = totals[code]
    return totals


def _expert_raws(ctx: SeedContext, specs: list[scoring.ItemSpec], expert_raw: float) -> dict[str, float]:
    """Raw scores per expert item averaging (by weight) ``expert_raw``, differing a little between items."""
    expert = [s for s in specs if s.method == Method.EXPERT]
    offsets = [ctx.rng.uniform(-2.5, 2.5) for _ in expert]
    weight = sum(float(s.weight) for s in expert)
    mean = sum(float(s.weight) * o for s, o in zip(expert, offsets, strict=True)) / weight if weight else 0
    return {s.code: min(99.5, max(5.0, expert_raw + o - mean)) for s, o in zip(expert, offsets, strict=True)}


def _panel(ctx: SeedContext, target: float, scale_max: Decimal) -> list[Decimal]:
    """Five experts' scores whose trimmed mean (highest and lowest dropped) is ``target`` (a 0–100 raw score)."""
    t = round(target * float(scale_max) / 100, 1)
    top = float(scale_max)
    high = min(top, t + max(0.4, round(ctx.rng.uniform(0.5, 3.0), 1)))
    low = max(0.0, t - round(ctx.rng.uniform(0.5, 3.0), 1))
    return [Decimal(str(round(v, 1))) for v in (low, t - 0.3, t, t + 0.3, high)]


COMMENTS = ("举措扎实，成效明显。", "工作有序推进，特色有待加强。", "部署有力，帮扶精准，宣传覆盖面广。")


def _has_answers(figures: scoring.UnitFigures | None) -> bool:
    return figures is not None and (figures.satisfaction is not None
                                    or any(v is not None for v in figures.result_indicators.values()))


def score_to_plan(ctx: SeedContext, evaluation: Evaluation, experts: list[User], order: list[str]) -> list[str]:
    """Expert scores that, with the questionnaire part computed from the real answers, rank the units in
    ``order`` (units without answers moved last); returns the order they will rank in."""
    year = evaluation.programme_year_id
    units = list(evaluation.evaluated_units())
    codes = [u.code for u in units]
    specs, result_keys = _item_specs(year)
    figures = figures_by_unit(year=year, units=units)
    questionnaire_only = scoring.score_units(items=specs, unit_codes=codes, expert_scores={}, figures=figures,
                                             result_keys=result_keys)
    q_points = {code: questionnaire_only[code].questionnaire_subtotal for code in codes}
    expert_points = sum(float(s.weight) for s in specs if s.method == Method.EXPERT)
    # A unit without questionnaire answers (one that had not joined yet) gets the method's floor; it goes last.
    answered = [c for c in order if c in q_points and _has_answers(figures.get(c))]
    order = answered + [c for c in order + codes if c not in answered and c in q_points]
    order = list(dict.fromkeys(order))
    totals = planned_totals(order, q_points, expert_points)
    by_code = {u.code: u for u in units}
    panel = experts[:SCORING_EXPERTS]
    ExpertAssignment.objects.bulk_create([
        ExpertAssignment(evaluation=evaluation, expert=expert, unit=by_code[code])
        for code in order for expert in panel
    ], ignore_conflicts=True)
    code_of = {u.pk: u.code for u in units}
    assignments: dict[str, list[ExpertAssignment]] = {}
    for a in ExpertAssignment.objects.filter(evaluation=evaluation, expert__in=panel).order_by("expert__username"):
        assignments.setdefault(code_of[a.unit_id], []).append(a)
    items = {i.code: i for i in IndicatorItem.objects.filter(scheme__programme_year_id=year, method=Method.EXPERT)}
    scores = []
    for code in order:
        expert_raw = (totals[code] - float(q_points[code])) / expert_points * 100 if expert_points else 0
        for item_code, raw in _expert_raws(ctx, specs, expert_raw).items():
            item = items[item_code]
            values = _panel(ctx, raw, item.scale_max)
            ctx.rng.shuffle(values)
            comment = COMMENTS[0] if raw > 85 else COMMENTS[2] if raw > 75 else COMMENTS[1]
            scores += [ExpertScore(assignment=a, item=item, score=v, comment=comment)
                       for a, v in zip(assignments.get(code, []), values, strict=False)]
    ExpertScore.objects.bulk_create(scores, ignore_conflicts=True)
    return order


def _check_order(ctx: SeedContext, evaluation: Evaluation, order: list[str]) -> None:
    ranked = list(evaluation.results.order_by("rank", "unit__code").values_list("unit__code", flat=True))
    if ranked != [c for c in order if c in ranked]:
        ctx.write(f"  warning: the {evaluation.programme_year_id} evaluation of {evaluation.evaluator.name} "
                  "does not follow the planned order")


def _publish(evaluation: Evaluation) -> None:
    year = evaluation.programme_year_id
    published = min(dt.datetime(year + 1, 1, 15, 10, tzinfo=TZ), timezone.now() - dt.timedelta(days=1))
    Evaluation.objects.filter(pk=evaluation.pk).update(status=EvaluationStatus.PUBLISHED, published_at=published)


def _evaluate(ctx: SeedContext, *, evaluator: OrgUnit, year: int, experts: list[User]) -> Evaluation:
    evaluation = services.evaluation_ensure(actor=None, year=year, evaluator=evaluator, source="seed")
    if not evaluation.is_published:
        order = score_to_plan(ctx, evaluation, experts, ctx.data.get("order", {}).get((evaluator.code, year)) or [])
        services.evaluation_compute(actor=None, evaluation=evaluation, source="seed")
        _check_order(ctx, evaluation, order)
        _publish(evaluation)
    return evaluation


def _current_scoring(ctx: SeedContext, evaluation: Evaluation, experts: list[User],
                     submitted: list[OrgUnit]) -> None:
    """The current year: every unit has its panel of experts; some have scored the units that submitted."""
    units = list(evaluation.evaluated_units())
    panel = experts[:SCORING_EXPERTS]
    ExpertAssignment.objects.bulk_create([
        ExpertAssignment(evaluation=evaluation, expert=expert, unit=unit) for unit in units for expert in panel
    ], ignore_conflicts=True)
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=evaluation.programme_year_id,
                                              method=Method.EXPERT))
    done = {u.pk for u in submitted[: len(submitted) // 2]}
    assignments = ExpertAssignment.objects.filter(evaluation=evaluation, expert__in=panel[:3], unit_id__in=done)
    ExpertScore.objects.bulk_create([
        ExpertScore(assignment=a, item=item, score=Decimal(str(round(ctx.rng.uniform(70, 95), 1))),
                    comment=COMMENTS[ctx.rng.randrange(len(COMMENTS))])
        for a in assignments for item in items
    ], ignore_conflicts=True)


# Where the demo logins' own self-assessments stand in the current year: 天津 and 北辰 still drafting, 河北 and
# 滨海新区 submitted (awaiting review), 武清 not begun.
CURRENT_STATUSES: dict[str, str | None] = {
    "120000": SelfAssessmentStatus.DRAFT, "130000": SelfAssessmentStatus.SUBMITTED,
    "120113": SelfAssessmentStatus.DRAFT, "120116": SelfAssessmentStatus.SUBMITTED, "120114": None,
    "120111": SelfAssessmentStatus.DRAFT,
}


@seeder(order=95)
def seed_evaluations(ctx: SeedContext) -> None:
    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    tianjin = OrgUnit.objects.get(code="120000")
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE, is_active=True).order_by("code"))
    districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True,
                                            path__startswith=tianjin.path).order_by("code"))
    experts = _experts(ctx)
    current = timezone.localdate().year
    years = [int(y) for y in (ctx.data.get("years") or programme_years())]
    if connection.vendor == "postgresql":
        # The questionnaire aggregates run on freshly bulk-loaded tables: give the planner statistics first.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for year in years:
        services.scheme_ensure(actor=None, year=year, source="seed")
        is_current = year == current
        national = _self_assessments(ctx, year, provinces, _year_totals(ctx, year, len(provinces)),
                                     current=is_current, statuses=CURRENT_STATUSES)
        # 天津's districts add up to 天津's own figures.
        tianjin_totals = {name: int(national.get("120000", {}).get(name) or 0) or
                          int(NATIONAL_2023[name] / 32) for name, _l, _u in FIGURE_FIELDS}
        _self_assessments(ctx, year, districts, tianjin_totals, current=is_current, statuses=CURRENT_STATUSES)
        if is_current:
            for evaluator, units in ((country, provinces), (tianjin, districts)):
                evaluation = services.evaluation_ensure(actor=None, year=year, evaluator=evaluator, source="seed")
                submitted = list(OrgUnit.objects.filter(
                    pk__in=SelfAssessment.objects.filter(programme_year_id=year, unit__in=units,
                                                         status=SelfAssessmentStatus.SUBMITTED).values("unit"))
                    .order_by("code"))
                _current_scoring(ctx, evaluation, experts, submitted)
            continue
        _evaluate(ctx, evaluator=country, year=year, experts=experts)
        _evaluate(ctx, evaluator=tianjin, year=year, experts=experts)
    # The demo expert login: four provinces of the current year to score (HQ-level expert, so no conflict).
    demo_expert = User.objects.filter(username="expert").first()
    latest = Evaluation.objects.filter(evaluator=country).order_by("-programme_year_id").first()
    if demo_expert is not None and latest is not None:
        ExpertAssignment.objects.bulk_create([
            ExpertAssignment(evaluation=latest, expert=demo_expert, unit=p)
            for p in provinces if p.code in ("120000", "130000", "140000", "110000")
        ], ignore_conflicts=True)
    _cases_and_courses(ctx, districts, years)
    ctx.write(f"  evaluations: {Evaluation.objects.count()}, expert scores: {ExpertScore.objects.count()}")


# Seed 000: "通过评估，遴选了9个地方典型经验和26个企业优良案例". The other years: about half of the cases.
CASES_RECOMMENDED = {2023: 26}


def _recommend_cases(year: int, districts: list[OrgUnit], creator: User) -> None:
    """The cases the provinces recommended to HQ in ``year`` (seed 000's 26 in 2023; more cases in other districts
    when the year has fewer), the first ones by district and slot."""
    cases = ExcellentCase.objects.filter(programme_year_id=year)
    target = CASES_RECOMMENDED.get(year, cases.count() // 2)
    taken = set(cases.values_list("district_id", "slot"))
    free = [(d, slot) for slot in range(1, MAX_CASES_PER_DISTRICT + 1) for d in districts if (d.pk, slot) not in taken]
    ExcellentCase.objects.bulk_create([
        ExcellentCase(programme_year_id=year, district=d, slot=slot, title=f"{d.name}{year}年优良案例{slot}",
                      created_by=creator)
        for d, slot in free[: max(0, target - len(taken))]
    ], ignore_conflicts=True)
    if cases.filter(recommended_at__isnull=False).exists():
        return
    at = min(dt.datetime(year, 12, 20, 10, tzinfo=TZ), timezone.now() - dt.timedelta(days=1))
    chosen = list(cases.order_by("district__code", "slot").values_list("pk", flat=True)[:target])
    ExcellentCase.objects.filter(pk__in=chosen).update(recommended_at=at, recommended_by=creator)


def _cases_and_courses(ctx: SeedContext, districts: list[OrgUnit], years: list[int]) -> None:
    creator = User.objects.filter(role=Role.HQ).first() or User.objects.filter(is_superuser=True).first()
    if creator is None:
        return
    cbs = list(CertificationBody.objects.order_by("approval_number")[:8])
    for n, year in enumerate(y for y in years if y > years[0]):
        chosen = [districts[(n * 3 + k) % len(districts)] for k in range(6)] if districts else []
        ExcellentCase.objects.bulk_create([
            ExcellentCase(programme_year_id=year, district=d, slot=slot, title=f"{d.name}{year}年优良案例{slot}",
                          created_by=creator)
            for d in chosen for slot in range(1, 1 + ctx.rng.randint(1, 5))
        ], ignore_conflicts=True)
        _recommend_cases(year, districts, creator)
        if not TrainingCourse.objects.filter(programme_year_id=year).exists():
            TrainingCourse.objects.bulk_create([
                TrainingCourse(programme_year_id=year, certification_body=cb,
                               title=f"{cb.name}{year}年质量管理体系贯标精品课程")
                for cb in cbs[n % 2::2]
            ])
