"""Demo enterprises: synthetic, deterministic, spread over districts; 60,000 at national scale."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from portal.roles import Role
from portal.seeding import SeedContext, seeder
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel, ProgrammeYear
from programme.seed import ensure_user

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
DEMO_DISTRICTS = ["120113", "120114", "120116", "120117", "120118", "120101", "130102", "130104"]


def make_uscc(district_code: str, serial: int) -> str:
    body = f"91{district_code}MA{serial:06d}"
    body += stdnum_uscc._alphabet[serial % 31]  # one more character of the organisation code
    return body + stdnum_uscc.calc_check_digit(body)


@seeder(order=20)
def seed_enterprises(ctx: SeedContext) -> None:
    rng = ctx.rng
    if ctx.national:
        districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).order_by("code"))
        count = 60_000
    else:
        districts = list(OrgUnit.objects.filter(code__in=DEMO_DISTRICTS).order_by("code"))
        count = 240
    table = load_thresholds()
    industries = [i for i, _ in INDUSTRY_WEIGHTS]
    weights = [w for _, w in INDUSTRY_WEIGHTS]
    rows = []
    for serial in range(1, count + 1):
        district = districts[(serial - 1) % len(districts)] if serial <= len(districts) * 4 else rng.choice(districts)
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

LEDGER_YEARS_BACK = 2


def _ledger_values(rng: Any, enterprise: tuple[Any, ...], year: int, serial: int) -> list[Any]:
    """A plausible ledger record (fields in RECORD_FIELDS order) for (id, name, district_id, industry,
    employees, revenue, size_class)."""
    _pk, name, district_id, industry, employees, revenue, size = enterprise
    dims = [c for c in DIMENSION_CODES if c == "quality_mgmt" or rng.random() < 0.35]
    modes = [c for c in MODE_CODES if c == "diagnosis" or rng.random() < 0.4]
    start = dt.date(year, rng.randint(5, 8), rng.randint(1, 28))
    end = start + dt.timedelta(days=rng.randint(20, 100))
    found = rng.randint(1, 15)
    certified = rng.random() < 0.35
    fee = Decimal(rng.randint(8, 30) * 1000).quantize(CENT)
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
        (fee * Decimal(rng.choice(["0.2", "0.3", "0.5"]))).quantize(CENT),
        certified,
        f"{year % 100:02d}{serial:08d}Q" if certified else "",
        CertificationScheme.ISO9001 if certified else "",
        maturity[before],
        maturity[min(before + rng.randint(0, 1), 3)],
        "",
        "",
    ]


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
    LedgerRecord.objects.bulk_create(
        [LedgerRecord(**dict(zip(names, row, strict=True))) for row in rows], batch_size=2000, ignore_conflicts=True
    )


@seeder(order=30)
def seed_ledger(ctx: SeedContext) -> None:
    from django.utils import timezone

    rng = ctx.rng
    now = timezone.now()
    this_year = timezone.localdate().year
    years = [
        y for y in range(this_year - LEDGER_YEARS_BACK, this_year + 1) if ProgrammeYear.objects.filter(pk=y).exists()
    ]
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
    if ctx.national:
        per_year = 300_000 // len(years)
        pairs_per_enterprise = max(1, -(-per_year // len(enterprises)))
    else:
        per_year, pairs_per_enterprise = len(enterprises), 1
    demo_cb = cbs[0]
    beichen = set(Enterprise.objects.filter(district__code="120113").values_list("pk", flat=True))
    rows: list[tuple[Any, ...]] = []
    serial = 0
    for year in years:
        count = 0
        for enterprise in enterprises:
            chosen: set[int] = set()
            for k in range(pairs_per_enterprise):
                if count >= per_year:
                    break
                if k == 0 and enterprise[0] in beichen and not ctx.national:
                    cb = demo_cb  # the demo login `cb` assists the enterprises of 北辰区
                else:
                    cb = cbs[rng.randrange(len(cbs))]
                if cb in chosen:
                    continue
                chosen.add(cb)
                serial += 1
                count += 1
                values = _ledger_values(rng, enterprise, year, serial)
                rows.append((year, cb, enterprise[0], *values, [], content_hash(values), "seed", now, now))
            if len(rows) >= 50_000:
                _store_ledger(rows)
                rows.clear()
    _store_ledger(rows)
    total = LedgerRecord.objects.count()
    ctx.data["ledger_records"] = total
    ctx.write(f"    ledger records: {total}")


@seeder(order=31)
def seed_training(ctx: SeedContext) -> None:
    from django.utils import timezone

    if TrainingRecord.objects.exists():
        return
    rng = ctx.rng
    this_year = timezone.localdate().year
    cbs = ctx.data.get("cbs") or list(
        CertificationBody.objects.order_by("approval_number").values_list("pk", flat=True)
    )
    districts = list(
        OrgUnit.objects.filter(
            level=OrgUnitLevel.DISTRICT, **({} if ctx.national else {"code__in": DEMO_DISTRICTS})
        ).values_list("pk", flat=True)
    )
    topics = [
        "ISO 9001标准解读",
        "质量管理体系内审员培训",
        "小微企业质量提升专题",
        "质量成本控制",
        "过程方法与风险思维",
        "数字化质量管理",
        "顾客满意度测评",
    ]
    count = 20_000 if ctx.national else 40
    rows = []
    seen = set()
    for i in range(count):
        year = this_year - rng.randrange(LEDGER_YEARS_BACK + 1)
        held_on = dt.date(year, rng.randint(5, 10), rng.randint(1, 28))
        cb = cbs[0] if i < 8 else cbs[rng.randrange(len(cbs))]
        district = districts[rng.randrange(len(districts))]
        topic = f"{rng.choice(topics)}（第{i + 1}期）"
        key = (year, cb, held_on, topic, district)
        if key in seen or not ProgrammeYear.objects.filter(pk=year).exists():
            continue
        seen.add(key)
        firms = rng.randint(5, 120)
        rows.append(
            TrainingRecord(
                programme_year_id=year,
                certification_body_id=cb,
                district_id=district,
                held_on=held_on,
                organiser="认证机构" if rng.random() < 0.6 else "区市场监管局",
                topic=topic,
                delivery=rng.choice(["online", "offline"]),
                enterprise_count=firms,
                person_count=firms * rng.randint(1, 6),
                source="seed",
            )
        )
    TrainingRecord.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


@seeder(order=95)
def seed_ledger_demo_extras(ctx: SeedContext) -> None:
    """A discrepancy for 北辰区 to settle, and (after this year's deadlines) exceptions that keep the demo CB's
    ledger and training submissions open, granted by Tianjin."""
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
        if deadline is not None and tianjin is not None and deadline.due_at < timezone.now():
            DeadlineException.objects.get_or_create(
                deadline=deadline,
                certification_body=cbs[0],
                defaults={
                    "granted_by_unit": tianjin.org_unit,
                    "granted_by": tianjin,
                    "open_until": dt.datetime(this_year, 12, 31, 23, 59, tzinfo=dt.UTC),
                    "reason": reason,
                },
            )
