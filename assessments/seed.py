"""Demo data of the evaluation: 2022–2024 national (2023–2024 Tianjin) self-assessments, expert scores and results
(so rank changes show; 2022 and 2023 published).

The 2023 provincial self-assessment figures add up exactly to the national figures of seed 000 (1,108
incentive policies, 320 亿元 credit support, 3.7 亿元 subsidies ...), and the 2023 ranking puts seed 000's
top ten first. Tianjin also evaluates its 16 districts. Everything is bulk-written and deterministic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from portal.models import User
from portal.roles import Role
from portal.seeding import SeedContext, seeder
from portal.services import user_create
from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel

from . import services
from .models import (
    FIGURE_FIELDS,
    Evaluation,
    EvaluationStatus,
    ExcellentCase,
    ExpertAssignment,
    ExpertScore,
    IndicatorItem,
    Method,
    Narrative,
    SelfAssessment,
    SelfAssessmentStatus,
    TrainingCourse,
)

# Seed 000: the 2023 national totals (万元 for money).
NATIONAL_2023 = {
    "incentive_policies": 1108, "government_plan_policies": 81, "credit_policies": 179,
    "credit_support": 3_200_000, "fiscal_subsidies": 37_000, "cross_department_policies": 219,
    "cbs_involved": 457, "parks_involved": 1785, "associations_involved": 277, "alliances_involved": 86,
    "experts_involved": 4500, "training_sessions": 14_000, "publicity_materials": 725_000, "media_reports": 6586,
    "cases_compiled": 2240, "videos": 821, "papers": 697,
}
TOP_2023 = ["330000", "320000", "130000", "370000", "140000", "310000", "420000", "350000", "210000", "410000"]
# Seed 000: in the 2023 evaluation 四川, 陕西, 甘肃, 江西 and 天津 "排名进步较大" — so 2022 is seeded too, with
# them lower, and they rise in 2023.
RISERS_2023 = ["510000", "610000", "620000", "360000", "120000"]
EVALUATED_YEARS = (2022, 2023, 2024)
EXPERTS = 6
TZ = ZoneInfo(settings.TIME_ZONE)


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up exactly to ``total``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


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


def _self_assessments(ctx: SeedContext, year: int, units: list[OrgUnit], totals: dict[str, int] | None) -> None:
    rng = ctx.rng
    weights = [rng.uniform(0.4, 1.6) for _ in units]
    columns: dict[str, list[int]] = {}
    for name, _label, _unit in FIGURE_FIELDS:
        total = (totals or {}).get(name) or int(NATIONAL_2023[name] * rng.uniform(1.0, 1.2) * len(units) / 32)
        columns[name] = _split(total, weights)
    submitted = dt.datetime(year, 10, 25, 16, 0, tzinfo=TZ)
    rows = []
    for i, unit in enumerate(units):
        late = i % 11 == 7
        rows.append(SelfAssessment(
            programme_year_id=year, unit=unit, status=SelfAssessmentStatus.ACCEPTED,
            summary=f"{year}年，{unit.name}围绕组织发动、宣传培训、企业帮扶三个方面扎实推进提升行动。",
            submitted_at=submitted + dt.timedelta(days=6 if late else 0), is_late=late,
            reviewed_at=submitted + dt.timedelta(days=8),
            **{name: (Decimal(columns[name][i]) if name in ("credit_support", "fiscal_subsidies") else columns[name][i])
               for name, _l, _u in FIGURE_FIELDS},
        ))
    SelfAssessment.objects.bulk_create(rows, ignore_conflicts=True)
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=year))
    sas = SelfAssessment.objects.filter(programme_year_id=year, unit__in=units).select_related("unit")
    Narrative.objects.bulk_create([
        Narrative(self_assessment=sa, item=item, text=f"{sa.unit.name}{item.name}：印发方案、专题部署、持续跟踪。")
        for sa in sas for item in items
    ], ignore_conflicts=True)


def _targets(ctx: SeedContext, units: list[OrgUnit], year: int) -> dict[str, float]:
    """An expert-score target per unit: seed 000's top ten first in 2023 (near the top in the other years);
    the five 2023 risers in the lower half in 2022 and high from 2023."""
    rng = ctx.rng
    # The others keep their place from year to year (a fixed level per unit, a little noise), so the rises
    # that show are the ones the seeds name.
    targets = {u.code: 56 + 14 * (int(u.code) * 7919 % 101) / 101 + rng.uniform(-1.0, 1.0) for u in units}
    for n, code in enumerate(TOP_2023):
        if code in targets:
            targets[code] = 96 - n * 2.5 + (0 if year == 2023 else rng.uniform(-2.0, 2.0))
    for n, code in enumerate(RISERS_2023):
        if code in targets:
            targets[code] = rng.uniform(50, 54) if year < 2023 else 80 - n * 0.9 + (rng.uniform(-1.5, 1.5)
                                                                                    if year > 2023 else 0)
    return targets


def _scores(ctx: SeedContext, evaluation: Evaluation, experts: list[User], targets: dict[str, float]) -> None:
    rng = ctx.rng
    units = {u.code: u for u in evaluation.evaluated_units()}
    ExpertAssignment.objects.bulk_create([
        ExpertAssignment(evaluation=evaluation, expert=expert, unit=units[code])
        for code in targets for expert in experts[:5]
    ], ignore_conflicts=True)
    assignments = ExpertAssignment.objects.filter(evaluation=evaluation, expert__in=experts[:5]).select_related("unit")
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=evaluation.programme_year_id,
                                              method=Method.EXPERT))
    ExpertScore.objects.bulk_create([
        ExpertScore(assignment=a, item=item,
                    score=Decimal(str(round(min(100, max(0, targets[a.unit.code] + rng.gauss(0, 1.5))), 1))),
                    comment="举措扎实，成效明显。" if targets[a.unit.code] > 80 else "工作有序推进，特色有待加强。")
        for a in assignments for item in items
    ], ignore_conflicts=True)


@seeder(order=95)
def seed_evaluations(ctx: SeedContext) -> None:
    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code"))
    experts = _experts(ctx)
    for year in EVALUATED_YEARS:
        services.scheme_ensure(actor=None, year=year, source="seed")
        _self_assessments(ctx, year, provinces, NATIONAL_2023 if year == 2023 else None)
        evaluation = services.evaluation_ensure(actor=None, year=year, evaluator=country, source="seed")
        if evaluation.is_published:
            continue
        _scores(ctx, evaluation, experts, _targets(ctx, provinces, year))
        services.evaluation_compute(actor=None, evaluation=evaluation, source="seed")
        if year < EVALUATED_YEARS[-1]:  # earlier years are published; the latest waits for HQ
            Evaluation.objects.filter(pk=evaluation.pk).update(status=EvaluationStatus.PUBLISHED,
                                                               published_at=dt.datetime(year + 1, 1, 15, tzinfo=TZ))
    # Tianjin evaluates its districts ("以区为单位").
    tianjin = OrgUnit.objects.get(code="120000")
    districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, path__startswith=tianjin.path)
                     .order_by("code"))
    for year in (2023, 2024):
        _self_assessments(ctx, year, districts, None)
        evaluation = services.evaluation_ensure(actor=None, year=year, evaluator=tianjin, source="seed")
        if not evaluation.is_published:
            _scores(ctx, evaluation, experts, {d.code: ctx.rng.uniform(65, 95) for d in districts})
            services.evaluation_compute(actor=None, evaluation=evaluation, source="seed")
    # The demo expert login: four provinces of 2024 to score (HQ-level expert, so no conflict of interest).
    demo_expert = User.objects.filter(username="expert").first()
    national_2024 = Evaluation.objects.get(programme_year_id=2024, evaluator=country)
    if demo_expert is not None:
        ExpertAssignment.objects.bulk_create([
            ExpertAssignment(evaluation=national_2024, expert=demo_expert, unit=p)
            for p in provinces if p.code in ("120000", "130000", "140000", "110000")
        ], ignore_conflicts=True)
    _cases_and_courses(ctx, districts)
    ctx.write(f"  evaluations: {Evaluation.objects.count()}, expert scores: {ExpertScore.objects.count()}")


def _cases_and_courses(ctx: SeedContext, districts: list[OrgUnit]) -> None:
    creator = User.objects.filter(role=Role.HQ).first() or User.objects.filter(is_superuser=True).first()
    if creator is None:
        return
    ExcellentCase.objects.bulk_create([
        ExcellentCase(programme_year_id=2024, district=d, slot=slot, title=f"{d.name}优良案例{slot}",
                      created_by=creator)
        for d in districts[:6] for slot in range(1, 1 + ctx.rng.randint(1, 5))
    ], ignore_conflicts=True)
    from programme.models import CertificationBody

    cbs = list(CertificationBody.objects.order_by("approval_number")[:8])
    if TrainingCourse.objects.filter(programme_year_id=2024).exists():
        return
    TrainingCourse.objects.bulk_create([
        TrainingCourse(programme_year_id=2024, certification_body=cb, title=f"{cb.name}质量管理体系贯标精品课程")
        for cb in cbs[::2]
    ])
