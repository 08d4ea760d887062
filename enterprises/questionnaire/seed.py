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
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.models import User
from portal.seeding import SeedContext, seeder
from programme.models import CertificationBody, Deadline, DeadlineException, DeadlineKind, OrgUnit, ProgrammeYear

from ..models import Enterprise, LedgerRecord
from .models import ChangeMode, QuestionnaireVersion, Response, ResponseStatus
from .services import questionnaire_defaults_load

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


def generate_responses(*, rng: random.Random, version: QuestionnaireVersion, enterprise_ids: list[int],
                       submitted_share: float = 1.0) -> list[Response]:
    """Deterministic synthetic answers (and their derived columns) for the given enterprises."""
    questions = {q.key: q for q in version.questions.all()}
    year = version.year
    base = dt.datetime(year, 11, 1, 9, tzinfo=timezone.get_default_timezone())
    rows = []
    for enterprise_id in enterprise_ids:
        answers: dict[str, Any] = {}
        columns: dict[str, Any] = {}
        for key, (lo, hi, mean, sd) in METRIC_PROFILE.items():
            q = questions.get(key)
            if q is None:
                continue
            before = round(rng.uniform(lo, hi), 2)
            rel = rng.gauss(mean, sd)
            after = round(max(0.0, min(float(q.max_value or 1e9), before * (1 + rel / 100))), 2)
            answers[key] = {"before": str(before), "after": str(after)}
            if q.change_mode == ChangeMode.POINTS:
                change: float | None = after - before
            else:
                change = (after - before) / before * 100 if before > 0 else None
            columns[f"chg_{key}"] = change
        m_before = _level(rng)
        m_after = min(4, m_before + _pick(rng, [0, 1, 2], [30, 62, 8]))
        answers["maturity"] = {"before": str(m_before), "after": str(m_after)}
        columns.update(maturity_before=m_before, maturity_after=m_after)
        for key in ("sat_training", "sat_cb_ability", "sat_cb_attitude", "sat_policy", "sat_follow_up"):
            value = _pick(rng, [5, 4, 3, 2, 1], [62, 34, 3, 0.7, 0.3])
            answers[key] = str(value)
            columns[key] = value
        effect = _pick(rng, [4, 3, 2, 1], [52, 38, 8, 2])
        answers["effect"] = str(effect)
        columns["effect"] = effect
        burden = rng.random() < 0.6
        answers["burden"] = "yes" if burden else "no"
        columns["burden"] = burden
        for key, column, weights in (("operating_effect", "res_operating", [30, 55, 13, 2]),
                                     ("quality_effect", "res_quality", [40, 50, 9, 1]),
                                     ("qm_effect", "res_qm_level", [45, 48, 6, 1])):
            choice = _pick(rng, ["much", "some", "same", "worse"], weights)
            answers[key] = choice
            columns[column] = choice in {"much", "some"}
        for key, column, share in (("credit_brand", "res_credit_brand", 0.45), ("digital", "res_digital", 0.38)):
            yes = rng.random() < share
            answers[key] = "yes" if yes else "no"
            columns[column] = yes
        lasting = _pick(rng, ["keep_improve", "keep", "unsure", "drop"], [70, 22, 7, 1])
        answers["lasting"] = lasting
        columns["res_lasting"] = lasting in {"keep_improve", "keep"}
        if rng.random() < 0.1:
            answers["suggestions"] = rng.choice(["希望增加一对一上门指导次数。", "建议延长持续跟踪服务期。",
                                                 "希望出台更多认证费用补贴政策。", "=建议简化填报材料"])
        submitted = rng.random() < submitted_share
        rows.append(Response(
            version=version, programme_year_id=year, enterprise_id=enterprise_id, answers=answers,
            status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
            submitted_at=base + dt.timedelta(minutes=rng.randint(0, 20 * 24 * 60)) if submitted else None,
            **columns,
        ))
    return rows


def bulk_insert_responses(rows: list[Response]) -> None:
    """Write many responses fast: PostgreSQL ``COPY`` (60,000 rows in seconds), ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        Response.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        return
    fields = [f for f in Response._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
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


def _year() -> int:
    latest = LedgerRecord.objects.order_by("-programme_year_id").values_list("programme_year_id", flat=True).first()
    if latest:
        return int(latest)
    today = timezone.localdate()
    return int(ProgrammeYear.objects.filter(year__lte=today.year).order_by("-year").values_list("year", flat=True)[0])


def _keep_demo_district_open(year: int, district: OrgUnit) -> None:
    deadline = Deadline.objects.filter(programme_year_id=year, kind=DeadlineKind.QUESTIONNAIRE).first()
    granter = User.objects.filter(username="tianjin").first()
    if deadline is None or granter is None or timezone.now() <= deadline.due_at:
        return
    if DeadlineException.objects.filter(deadline=deadline, org_unit=district,
                                        open_until__gte=timezone.now()).exists():
        return
    DeadlineException.objects.create(
        deadline=deadline, org_unit=district, granted_by_unit=granter.org_unit, granted_by=granter,
        open_until=timezone.now() + dt.timedelta(days=60), reason="演示：延长北辰区企业调查问卷填报时间",
    )


# At national scale every earlier programme year with a questionnaire is seeded too (a smaller sample from every
# province), so the annex-1 evaluations of those years (assessments.seed, which runs after this) score real
# questionnaire results. The demo data set stays Tianjin-only for the current year: answers from one province
# alone would skew the national ranking (the efficacy-coefficient method gives units without data the floor).
EARLIER_YEARS_NATIONAL = 20_000


@seeder(order=94)
@transaction.atomic
def seed_questionnaires(ctx: SeedContext) -> None:
    questionnaire_defaults_load()
    year = _year()
    _seed_year(ctx, year, target=60_000 if ctx.national else 40, current=True)
    earlier = QuestionnaireVersion.objects.filter(programme_year_id__lt=year).order_by("-programme_year_id")
    for earlier_year in earlier.values_list("programme_year_id", flat=True) if ctx.national else []:
        _seed_year(ctx, int(earlier_year), target=EARLIER_YEARS_NATIONAL, current=False)
    ctx.data["questionnaire_year"] = year


def _seed_year(ctx: SeedContext, year: int, *, target: int, current: bool) -> None:
    version = QuestionnaireVersion.objects.get(programme_year_id=year)
    cb_ids = list(CertificationBody.objects.values_list("pk", flat=True))
    demo_enterprise_id = User.objects.filter(username="enterprise").values_list("enterprise_id", flat=True).first()
    if ctx.national:
        pool = Enterprise.objects.exclude(pk=demo_enterprise_id).order_by("pk")
    else:
        pool = Enterprise.objects.filter(district__path__startswith="000000/120000/").exclude(
            pk=demo_enterprise_id).order_by("district__code", "pk")
    if Response.objects.filter(programme_year_id=year).count() >= target:
        ctx.write(f"  questionnaires {year}: already seeded")
        return
    pool = pool.exclude(questionnaire_responses__programme_year_id=year)
    on_ledger = Exists(LedgerRecord.objects.filter(enterprise=OuterRef("pk"), programme_year_id=year))
    candidates = list(pool.filter(on_ledger).values_list("pk", flat=True)[:target])
    if len(candidates) < target and cb_ids:
        extra = list(pool.exclude(on_ledger).select_related("district")[: target - len(candidates)])
        ensure_assisted(enterprises=extra, year=year, cb_ids=cb_ids, rng=ctx.rng, known_new=True)
        candidates += [e.pk for e in extra]
    if current and not ctx.national:
        # Leave some Tianjin enterprises without an answer, so the progress page has non-respondents.
        unanswered = list(pool.exclude(pk__in=candidates).select_related("district")[:12])
        if cb_ids:
            ensure_assisted(enterprises=unanswered, year=year, cb_ids=cb_ids, rng=ctx.rng)
    rows = generate_responses(rng=ctx.rng, version=version, enterprise_ids=candidates,
                              submitted_share=1.0 if ctx.national or not current else 0.85)
    bulk_insert_responses(rows)
    if current and demo_enterprise_id and cb_ids:
        demo = Enterprise.objects.select_related("district").get(pk=demo_enterprise_id)
        ensure_assisted(enterprises=[demo], year=year, cb_ids=cb_ids, rng=ctx.rng)
        _keep_demo_district_open(year, demo.district)
    submitted = sum(1 for r in rows if r.status == ResponseStatus.SUBMITTED)
    ctx.write(f"  questionnaires {year}: {submitted} submitted, {len(rows) - submitted} drafts")
