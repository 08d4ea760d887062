"""Demo enterprises: synthetic, deterministic, spread over districts; 60,000 at national scale."""

from __future__ import annotations

import datetime as dt
import heapq
import json
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from portal.roles import Role
from portal.seeding import SeedContext, insert_new, seeder, sqlite_insert
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel
from programme.seed import ensure_user, programme_years, reach_of, year_reach

from .ledger.columns import DIMENSION_CODES, MODE_CODES
from .ledger.models import RECORD_FIELDS, content_hash
from .models import (
    CertificationScheme,
    DiscrepancyField,
    Enterprise,
    EnterpriseDiscrepancy,
    Industry,
    LedgerRecord,
    MaturityLevel,
    TrainingRecord,
)
from .registry.sizing import classify, load_thresholds

CENT = Decimal("0.01")

NAME_HEADS = [
    "华瑞",
    "鑫达",
    "宏远",
    "金泰",
    "永盛",
    "恒通",
    "天成",
    "博创",
    "精工",
    "润丰",
    "海川",
    "立信",
    "瑞祥",
    "众诚",
    "嘉禾",
    "新航",
    "德源",
    "中科",
    "长兴",
    "万宏",
    "北辰",
    "津工",
    "安达",
    "利民",
]
NAME_TRADES = {
    Industry.MANUFACTURING: ["电动车", "机械", "汽车零部件", "地毯", "五金", "电子", "塑料制品", "精密铸造", "食品"],
    Industry.WHOLESALE: ["商贸"],
    Industry.RETAIL: ["商业"],
    Industry.SOFTWARE: ["信息技术"],
    Industry.CONSTRUCTION: ["建设工程"],
    Industry.CATERING: ["餐饮管理"],
}
INDUSTRY_WEIGHTS = [
    (Industry.MANUFACTURING, 80),
    (Industry.WHOLESALE, 6),
    (Industry.RETAIL, 4),
    (Industry.SOFTWARE, 5),
    (Industry.CONSTRUCTION, 3),
    (Industry.CATERING, 2),
]
# The demo: 30 enterprises in each of these (天津's six busiest districts and two of 河北), 12 in each other
# district of 天津 (so that 天津 can evaluate all its districts on real questionnaire answers) and 12 in each of
# the first two districts of every other provincial unit (so that the national evaluation does too).
DEMO_DISTRICTS = ["120113", "120114", "120116", "120117", "120118", "120101", "130102", "130104"]
DEMO_PER_DISTRICT = 30
DEMO_PER_OTHER_DISTRICT = 12
DEMO_DISTRICTS_PER_PROVINCE = 2


def make_uscc(district_code: str, serial: int) -> str:
    body = f"91{district_code}MA{serial:06d}"
    body += stdnum_uscc._alphabet[serial % 31]  # one more character of the organisation code
    return body + stdnum_uscc.calc_check_digit(body)


def demo_district_codes() -> dict[str, int]:
    """The demo's districts and how many enterprises each holds."""
    layout = dict.fromkeys(DEMO_DISTRICTS, DEMO_PER_DISTRICT)
    districts = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True).order_by("code")
    by_province: dict[str, list[str]] = {}
    for code, path in districts.values_list("code", "path"):
        by_province.setdefault(path.split("/")[1], []).append(code)
    for province, codes in sorted(by_province.items()):
        if province == "120000":
            chosen = codes
        elif province == "130000":
            chosen = []
        else:
            chosen = codes[:DEMO_DISTRICTS_PER_PROVINCE]
        for code in chosen:
            layout.setdefault(code, DEMO_PER_OTHER_DISTRICT)
    return layout


@seeder(order=20)
def seed_enterprises(ctx: SeedContext) -> None:
    rng = ctx.rng
    if ctx.national:
        districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).order_by("code"))
        count = 60_000
        placed = [districts[(serial - 1) % len(districts)] if serial <= len(districts) * 4 else rng.choice(districts)
                  for serial in range(1, count + 1)]
    else:
        layout = demo_district_codes()
        by_code = {d.code: d for d in OrgUnit.objects.filter(code__in=layout)}
        placed = [by_code[code] for code in DEMO_DISTRICTS for _ in range(layout[code])]
        placed += [by_code[code] for code in sorted(layout) if code not in DEMO_DISTRICTS
                   for _ in range(layout[code])]
        count = len(placed)
    table = load_thresholds()
    industries = [i for i, _ in INDUSTRY_WEIGHTS]
    weights = [w for _, w in INDUSTRY_WEIGHTS]
    rows = []
    for serial, district in enumerate(placed, start=1):
        industry = rng.choices(industries, weights)[0]
        medium = rng.random() < 0.04
        employees = rng.randint(120, 600) if medium else rng.randint(3, 180)
        revenue = Decimal(rng.randint(2500, 30000) if medium else rng.randint(40, 1900))
        name = f"{district.name[:2]}{rng.choice(NAME_HEADS)}{rng.choice(NAME_TRADES[industry])}有限公司"
        rows.append(
            Enterprise(
                uscc=make_uscc(district.code, serial),
                name=name,
                district=district,
                industry=industry,
                employees=employees,
                revenue=revenue,
                size_class=classify(industry=industry, employees=employees, revenue=revenue, table=table),
            )
        )
    Enterprise.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    ctx.data["enterprise_count"] = count


@seeder(order=91)
def seed_enterprise_login(ctx: SeedContext) -> None:
    enterprise = Enterprise.objects.filter(district__code="120113").order_by("uscc").first()
    ensure_user(
        ctx,
        username="enterprise",
        role=Role.ENTERPRISE,
        label="企业",
        enterprise=enterprise,
        full_name="企业质量负责人 吴芳",
    )


# ---- assistance ledger and training records ------------------------------------------------------

# The national data set's figures the seeds give (seed 000 for 2023, seed 004 for 2024): distinct enterprises
# assisted, certification bodies taking part, enterprises given a fee reduction and its total in 元, quality
# problems solved; training: enterprises and person-times trained free.
NATIONAL_LEDGER: dict[int, dict[str, int]] = {
    2023: {"enterprises": 30_000, "cbs": 457, "fee_enterprises": 15_000, "fee_total": 39_600_000, "solved": 24_000},
    2024: {"enterprises": 54_200, "cbs": 468, "solved": 38_000},
}
NATIONAL_TRAINING: dict[int, dict[str, int]] = {
    2023: {"enterprises": 349_000, "persons": 1_328_000},
    2024: {"enterprises": 649_000, "persons": 1_925_000},
}
# The share of the registry's CBs that take part each year (later years: all but a few).
CB_SHARE = {2020: 0.4, 2021: 0.55, 2022: 0.75, 2023: 457 / 470, 2024: 468 / 470}
SECOND_CB_SHARE = 0.3  # assisted enterprises helped by a second CB in the same year
FEE_REDUCED_SHARE = 0.5  # assisted enterprises given a fee reduction


def _period(rng: Any, year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """When the assistance ran: the summer of a past year; in the current year, before today."""
    if year < today.year:
        start = dt.date(year, rng.randint(5, 8), rng.randint(1, 28))
        return start, start + dt.timedelta(days=rng.randint(20, 100))
    start = max(dt.date(year, 1, 1), today - dt.timedelta(days=rng.randint(30, 150)))
    return start, min(today, start + dt.timedelta(days=rng.randint(20, 100)))


def _ledger_values(rng: Any, enterprise: tuple[Any, ...], year: int, serial: int, *,
                   today: dt.date | None = None, fee_reduced: bool = True) -> list[Any]:
    """A plausible ledger record (fields in RECORD_FIELDS order) for (id, name, district_id, industry,
    employees, revenue, size_class)."""
    _pk, name, district_id, industry, employees, revenue, size = enterprise
    dims = [c for c in DIMENSION_CODES if c == "quality_mgmt" or rng.random() < 0.35]
    modes = [c for c in MODE_CODES if c == "diagnosis" or rng.random() < 0.4]
    start, end = _period(rng, year, today or dt.date(year + 1, 1, 1))
    found = rng.choice((0, 1, 1, 2, 2, 3))
    certified = rng.random() < 0.35
    fee = Decimal(rng.randint(8, 30) * 1000).quantize(CENT)
    reduction = (fee * Decimal(rng.choice(["0.1", "0.15", "0.2"]))).quantize(CENT) if fee_reduced else Decimal("0.00")
    maturity = MaturityLevel.values
    before = rng.randrange(3)
    return [
        name,
        district_id,
        industry,
        employees,
        Decimal(revenue).quantize(CENT) if revenue is not None else None,
        size,
        ",".join(dims),
        ",".join(modes),
        start,
        end,
        rng.randint(1, 5),
        found,
        rng.randint(0, found),
        fee,
        reduction,
        certified,
        f"{year % 100:02d}{serial:08d}Q" if certified else "",
        CertificationScheme.ISO9001 if certified else "",
        maturity[before],
        maturity[min(before + rng.randint(0, 1), 3)],
        "",
        "",
    ]


FOUND, SOLVED, FEE, FEE_REDUCTION, PILOT = 11, 12, 13, 14, 20  # positions in _ledger_values
PILOT_SHARE = 0.8  # the assisted enterprises of a pilot's districts whose records name the pilot


def _pilots_by_district() -> dict[int, list[tuple[str, int]]]:
    """District pk -> the (industry, start year) of the pilots it belongs to."""
    from programme.models import PilotRegion

    out: dict[int, list[tuple[str, int]]] = {}
    for industry, start, district_id in PilotRegion.objects.values_list("industry", "start_year", "districts"):
        if district_id is not None:
            out.setdefault(district_id, []).append((industry, start))
    return out


def _store_ledger(rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    columns: list[str] = [
        "programme_year_id",
        "certification_body_id",
        "enterprise_id",
        *[str(LedgerRecord._meta.get_field(n).column) for n in RECORD_FIELDS],  # type: ignore[union-attr]
        "warnings",
        "content_hash",
        "source",
        "created_at",
        "updated_at",
    ]
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {LedgerRecord._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            warnings = columns.index("warnings")
            for row in rows:  # COPY takes the JSON text of the warnings
                copy.write_row((*row[:warnings], json.dumps(row[warnings]), *row[warnings + 1 :]))
        return
    names = [
        "programme_year_id",
        "certification_body_id",
        "enterprise_id",
        *RECORD_FIELDS,
        "warnings",
        "content_hash",
        "source",
        "created_at",
        "updated_at",
    ]
    if connection.vendor == "sqlite":
        sqlite_insert(LedgerRecord, names, rows)
        return
    LedgerRecord.objects.bulk_create(
        [LedgerRecord(**dict(zip(names, row, strict=True))) for row in rows], batch_size=2000, ignore_conflicts=True
    )


def _weighted_sample(rng: Any, items: list[Any], weights: list[float], k: int) -> list[Any]:
    """``k`` items drawn without replacement, each with probability proportional to its weight
    (Efraimidis–Spirakis keys); items of weight 0 are never drawn."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0]
    return [items[i] for _key, i in heapq.nlargest(k, keyed)]


def _unit_codes(path: str) -> tuple[str, str]:
    parts = [p for p in path.split("/") if p]
    return parts[1], parts[-1]


def _assisted_in(ctx: SeedContext, year: int, enterprises: list[tuple[Any, ...]], paths: dict[int, str],
                 beichen: set[int], current: int) -> list[tuple[Any, ...]]:
    """The enterprises assisted in ``year``: each unit's reach (its joining year, pace and dips) decides; the
    national data set draws exactly the seeds' count for the years they give."""
    weights = [reach_of(ctx, year, *_unit_codes(paths[e[2]])) for e in enterprises]
    if ctx.national:
        target = NATIONAL_LEDGER.get(year, {}).get("enterprises") or round(year_reach(year, current) * len(enterprises))
        chosen = _weighted_sample(ctx.rng, enterprises, weights, target)
        return sorted(chosen, key=lambda e: e[0])
    rng = ctx.rng
    # 北辰区 (the demo CB's and the demo enterprise's district) is assisted in full in the current year.
    return [e for e, w in zip(enterprises, weights, strict=True)
            if (year == current and e[0] in beichen) or rng.random() < w]


def _adjust_total(rng: Any, rows: list[list[Any]], target: int) -> None:
    """Move problems solved one by one (never above problems found) until they add up to ``target``."""
    diff = target - sum(r[SOLVED] for r in rows)
    while diff and rows:
        row = rows[rng.randrange(len(rows))]
        if diff > 0 and row[SOLVED] < row[FOUND]:
            row[SOLVED] += 1
            diff -= 1
        elif diff < 0 and row[SOLVED] > 0:
            row[SOLVED] -= 1
            diff += 1


@seeder(order=30)
def seed_ledger(ctx: SeedContext) -> None:
    """Assistance ledger records for every programme year since 2020: the programme grows year on year,
    provinces and districts at their own pace (``programme.seed.seed_participation``); the current year is
    still being reported. At national scale 2023 and 2024 hold the seeds' national figures exactly."""
    from django.utils import timezone

    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    current = today.year
    years = ctx.data.get("years") or programme_years()
    cbs = ctx.data.get("cbs") or list(
        CertificationBody.objects.order_by("approval_number").values_list("pk", flat=True)
    )
    if not cbs or not years or LedgerRecord.objects.exists():
        return
    enterprises = list(
        Enterprise.objects.order_by("pk").values_list(
            "pk", "name", "district_id", "industry", "employees", "revenue", "size_class"
        )
    )
    paths = dict(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).values_list("pk", "path"))
    demo_cb = cbs[0]
    beichen = set(Enterprise.objects.filter(district__code="120113").values_list("pk", flat=True))
    pilots = _pilots_by_district()
    serial = 0
    per_year: dict[int, int] = {}
    for year in years:
        assisted = _assisted_in(ctx, year, enterprises, paths, beichen, current)
        target = NATIONAL_LEDGER.get(year, {}) if ctx.national else {}
        share = CB_SHARE.get(year, 1.0 if year < current else 0.985)
        n_cbs = target.get("cbs") or max(3, min(len(cbs), round(share * len(cbs))))
        active = cbs[:2] + rng.sample(cbs[2:], max(0, n_cbs - 2))  # the two demo CBs take part every year
        # In the demo the `cb` login assists 北辰区's enterprises only and `cb2` never those: the two share none.
        pools = {False: active[1:], True: active[2:]}
        if target.get("fee_enterprises"):
            fee_reduced = set(rng.sample([e[0] for e in assisted], target["fee_enterprises"]))
        else:
            fee_reduced = {e[0] for e in assisted if rng.random() < FEE_REDUCED_SHARE}
        rows: list[list[Any]] = []
        keys: list[tuple[int, int]] = []
        for enterprise in assisted:
            pilot = next((industry for industry, start in pilots.get(enterprise[2], []) if start <= year), "")
            if pilot and rng.random() >= PILOT_SHARE:
                pilot = ""
            chosen: list[int] = []
            pool = active if ctx.national else pools[enterprise[0] in beichen]
            for k in range(2 if rng.random() < SECOND_CB_SHARE else 1):
                cb = demo_cb if k == 0 and enterprise[0] in beichen and not ctx.national else pool[
                    rng.randrange(len(pool))]
                if cb in chosen:
                    continue
                chosen.append(cb)
                serial += 1
                rows.append(_ledger_values(rng, enterprise, year, serial, today=today,
                                           fee_reduced=k == 0 and enterprise[0] in fee_reduced))
                rows[-1][PILOT] = pilot
                keys.append((cb, enterprise[0]))
        _every_cb_takes_part(rng, keys, active)
        if target.get("fee_total"):
            reduced = [r for r in rows if r[FEE_REDUCTION] > 0]
            amounts = _split(target["fee_total"], [float(r[FEE_REDUCTION]) for r in reduced])
            for row, amount in zip(reduced, amounts, strict=True):
                row[FEE_REDUCTION] = min(row[FEE], Decimal(amount)).quantize(CENT)
        if target.get("solved"):
            _adjust_total(rng, rows, target["solved"])
        batch = [(year, cb, enterprise_id, *values, [], content_hash(values), "seed", now, now)
                 for (cb, enterprise_id), values in zip(keys, rows, strict=True)]
        for i in range(0, len(batch), 50_000):
            _store_ledger(batch[i : i + 50_000])
        per_year[year] = len(batch)
    total = LedgerRecord.objects.count()
    ctx.data["ledger_records"] = total
    ctx.write(f"    ledger records: {total} ({', '.join(f'{y}: {n}' for y, n in per_year.items())})")


def _every_cb_takes_part(rng: Any, keys: list[tuple[int, int]], active: list[int]) -> None:
    """Give each active CB that drew no record one (taken from a CB with several), so the year's count of CBs
    taking part is the intended one."""
    used: dict[int, int] = {}
    for cb, _e in keys:
        used[cb] = used.get(cb, 0) + 1
    pairs = set(keys)
    for cb in active:
        if used.get(cb) or not keys:
            continue
        for _attempt in range(1000):
            i = rng.randrange(len(keys))
            old, enterprise_id = keys[i]
            if used[old] > 1 and (cb, enterprise_id) not in pairs:
                keys[i] = (cb, enterprise_id)
                pairs.discard((old, enterprise_id))
                pairs.add((cb, enterprise_id))
                used[old] -= 1
                used[cb] = 1
                break


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up exactly to ``total``."""
    if not weights:
        return []
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


TRAINING_TOPICS = [
    "ISO 9001标准解读",
    "质量管理体系内审员培训",
    "小微企业质量提升专题",
    "质量成本控制",
    "过程方法与风险思维",
    "数字化质量管理",
    "顾客满意度测评",
]
# Training sessions recorded per year: national (grows with the programme) and, in the demo, per district.
NATIONAL_TRAINING_ROWS = 8_000
DEMO_TRAINING_PER_DISTRICT = 3


@seeder(order=31)
def seed_training(ctx: SeedContext) -> None:
    """Training records for every programme year since 2020, growing with the programme; at national scale 2023
    and 2024 add up to the seeds' enterprises and person-times trained."""
    from django.utils import timezone

    if TrainingRecord.objects.exists():
        return
    rng = ctx.rng
    today = timezone.localdate()
    years = ctx.data.get("years") or programme_years()
    cbs = ctx.data.get("cbs") or list(
        CertificationBody.objects.order_by("approval_number").values_list("pk", flat=True)
    )
    if not cbs:
        return
    if ctx.national:
        districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).values_list("pk", "path"))
    else:
        districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, enterprises__isnull=False)
                         .distinct().order_by("code").values_list("pk", "path"))
    rows: list[TrainingRecord] = []
    for year in years:
        weights = [reach_of(ctx, year, *_unit_codes(path)) for _pk, path in districts]
        if ctx.national:
            n = round(NATIONAL_TRAINING_ROWS * year_reach(year, today.year))
            picked = [districts[i] for i in rng.choices(range(len(districts)), weights=weights, k=n)] \
                if any(weights) else []
        else:
            picked = [d for d, w in zip(districts, weights, strict=True)
                      for _ in range(DEMO_TRAINING_PER_DISTRICT) if rng.random() < w]
        year_rows: list[TrainingRecord] = []
        for i, (district, _path) in enumerate(picked):
            held_on = _period(rng, year, today)[0] if year == today.year else dt.date(
                year, rng.randint(5, 10), rng.randint(1, 28))
            cb = cbs[0] if i < 8 else cbs[rng.randrange(len(cbs))]
            firms = rng.randint(5, 120)
            year_rows.append(
                TrainingRecord(
                    programme_year_id=year,
                    certification_body_id=cb,
                    district_id=district,
                    held_on=held_on,
                    organiser="认证机构" if rng.random() < 0.6 else "区市场监管局",
                    topic=f"{rng.choice(TRAINING_TOPICS)}（{year}年第{i + 1}期）",
                    delivery=rng.choice(["online", "offline"]),
                    enterprise_count=firms,
                    person_count=firms * rng.randint(1, 6),
                    source="seed",
                )
            )
        target = NATIONAL_TRAINING.get(year) if ctx.national else None
        if target and year_rows:
            counts = _split(target["enterprises"], [r.enterprise_count * rng.uniform(0.8, 1.2) for r in year_rows])
            for row, n_firms in zip(year_rows, counts, strict=True):
                row.enterprise_count = max(1, n_firms)
            persons = _split(target["persons"], [r.enterprise_count * rng.uniform(1.5, 6) for r in year_rows])
            for row, n_persons in zip(year_rows, persons, strict=True):
                row.person_count = max(row.enterprise_count, n_persons)
        rows += year_rows
    insert_new(TrainingRecord, rows)  # the table is empty (checked above) and the natural keys are distinct
    ctx.write(f"    training records: {len(rows)}")


@seeder(order=95)
def seed_ledger_demo_extras(ctx: SeedContext) -> None:
    """A discrepancy for 北辰区 to settle, and dated exceptions, granted by Tianjin, that keep the demo CB's
    ledger and training submissions open for 45 days after this year's deadlines (the deadlines themselves are
    still ahead on the day of seeding: ``programme.seed.seed_calendar``)."""
    from django.utils import timezone

    from portal.models import User
    from programme.models import Deadline, DeadlineException, DeadlineKind

    this_year = timezone.localdate().year
    cbs = list(CertificationBody.objects.order_by("approval_number")[:2])
    if len(cbs) < 2:
        return
    enterprise = Enterprise.objects.filter(district__code="120113").order_by("uscc").first()
    if enterprise is not None and not EnterpriseDiscrepancy.objects.exists():
        EnterpriseDiscrepancy.objects.create(
            enterprise=enterprise,
            field=DiscrepancyField.NAME,
            registry_value=enterprise.name,
            reported_value=enterprise.name.replace("有限公司", "股份有限公司"),
            reported_by=cbs[1],
            programme_year_id=this_year,
        )
    tianjin = User.objects.filter(username="tianjin").first()
    reasons = {DeadlineKind.LEDGER: "补报帮扶台账（演示）", DeadlineKind.TRAINING: "补报培训台账（演示）"}
    for kind, reason in reasons.items():
        deadline = Deadline.objects.filter(programme_year_id=this_year, kind=kind).first()
        if deadline is not None and tianjin is not None:
            DeadlineException.objects.get_or_create(
                deadline=deadline,
                certification_body=cbs[0],
                defaults={
                    "granted_by_unit": tianjin.org_unit,
                    "granted_by": tianjin,
                    "open_until": deadline.due_at + dt.timedelta(days=45),
                    "reason": reason,
                },
            )
