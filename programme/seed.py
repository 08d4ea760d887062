"""Demo data for the programme app: the current year's calendar laid around the day of seeding, how each
provincial unit and district takes part from year to year, the certification-body registry, the pilot regions and
the HQ and expert logins."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from portal.models import User
from portal.roles import Role
from portal.seeding import SeedContext, seeder
from portal.services import user_create

from . import annex2, annex3
from .models import (
    COUNTRY_CODE,
    FIRST_PROGRAMME_YEAR,
    CertificationBody,
    CertificationBodyStatus,
    Deadline,
    DeadlineKind,
    OrgUnit,
    OrgUnitLevel,
    Phase,
    PhaseKind,
    PilotFiling,
    PilotFilingStatus,
    PilotRegion,
    PilotStatistics,
    ProgrammeYear,
    programme_years_to_date,
)

CB_WORDS = ["质量", "标准", "合信", "华信", "中正", "恒标", "卓越", "诚信", "信达", "联合", "环球", "正航", "新世纪",
            "方正", "中鉴", "国信", "汇智", "致远", "泰瑞", "博远"]


FIRST_YEAR = FIRST_PROGRAMME_YEAR

# The current year's calendar in days from the day the demo is seeded: the assistance is over, the year-end
# evaluation is under way and every role still has something open — CBs their ledger and training uploads,
# enterprises the questionnaire, districts and provinces their self-assessments (due in three weeks), experts
# their scoring. Earlier years keep seed 002's calendar, long past.
CURRENT_PHASES = {
    PhaseKind.DEPLOYMENT: (-200, -121),
    PhaseKind.ASSISTANCE: (-120, -15),
    PhaseKind.EVALUATION: (-14, 45),
}
CURRENT_DEADLINES = {
    DeadlineKind.LEDGER: 10,
    DeadlineKind.TRAINING: 10,
    DeadlineKind.QUESTIONNAIRE: 14,
    DeadlineKind.SELF_ASSESSMENT: 21,
    DeadlineKind.PILOT_REPORT: 21,
    DeadlineKind.EXPERT_SCORING: 35,
}


def programme_years() -> list[int]:
    """The programme years of the demo: 2020 up to the current calendar year."""
    return programme_years_to_date()


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo(settings.TIME_ZONE))


@seeder(order=5)
def seed_calendar(ctx: SeedContext) -> None:
    """Lay the current programme year's phases and deadlines around today (relative to ``timezone.localdate()``
    at seed time) and record the years the demo covers in ``ctx.data["years"]``."""
    today = timezone.localdate()
    year = ProgrammeYear.objects.filter(pk=today.year).first()
    ctx.data["years"] = programme_years()
    ctx.data["current_year"] = today.year
    if year is None:
        return
    for phase, (start, end) in CURRENT_PHASES.items():
        Phase.objects.update_or_create(programme_year=year, kind=phase, defaults={
            "starts_on": today + dt.timedelta(days=start), "ends_on": today + dt.timedelta(days=end)})
    for kind, days in CURRENT_DEADLINES.items():
        Deadline.objects.update_or_create(programme_year=year, kind=kind,
                                          defaults={"due_at": _end_of_day(today + dt.timedelta(days=days))})
    ctx.write(f"    calendar {today.year}: deadlines from {today + dt.timedelta(days=min(CURRENT_DEADLINES.values()))}"
              f" to {today + dt.timedelta(days=max(CURRENT_DEADLINES.values()))}")


# How far the programme reaches each year: the share of the enterprise pool assisted (seed 000: 3.0万 in 2023;
# seed 004: 5.4万余 in 2024, of the national data set's 60,000), later years level off. The current year is still
# being reported (the ledger deadline is open), so it holds only part of a year.
YEAR_REACH = {2020: 0.135, 2021: 0.24, 2022: 0.37, 2023: 0.50, 2024: 0.905, 2025: 0.95}
LATER_REACH = 0.96
CURRENT_YEAR_SHARE = 0.8


def year_reach(year: int, current_year: int) -> float:
    reach = YEAR_REACH.get(year, LATER_REACH if year > max(YEAR_REACH) else YEAR_REACH[min(YEAR_REACH)])
    return reach * (CURRENT_YEAR_SHARE if year == current_year else 1.0)


@seeder(order=6)
def seed_participation(ctx: SeedContext) -> None:
    """How each provincial unit and district takes part (``ctx.data["participation"]``, by code): the year it
    joined (most in 2020, a few in 2021 or 2022: they lag), its pace (0.75–1.25 of the national reach) and, for a
    few, a year in which it dropped back. The ledger, training and self-assessment seeds read it."""
    rng = ctx.rng
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code")
                     .values_list("code", flat=True))
    participation: dict[str, dict[str, Any]] = {}
    late = {"540000": 2021, "630000": 2021, "650000": 2021, "660000": 2022}  # 西藏, 青海, 新疆, 兵团 lag
    dips = {"150000": 2024, "460000": 2022, "220000": 2025}  # 内蒙古, 海南, 吉林 drop back once
    for code in provinces:
        participation[code] = {"joined": late.get(code, FIRST_YEAR), "pace": round(rng.uniform(0.75, 1.2), 3),
                               "dip": dips.get(code)}
    for code in ("330000", "320000", "370000"):  # 浙江, 江苏, 山东 lead
        participation[code]["pace"] = round(rng.uniform(1.15, 1.25), 3)
    districts = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).order_by("code").values_list("code", flat=True)
    for code in districts:
        participation[code] = {"joined": FIRST_YEAR, "pace": round(rng.uniform(0.8, 1.2), 3), "dip": None}
    # In 天津: 宁河 joined in 2022, 静海 dropped back in 2024.
    participation.setdefault("120117", {}).update(joined=2022, pace=0.8)
    participation.setdefault("120118", {}).update(dip=2024)
    ctx.data["participation"] = participation


def reach_of(ctx: SeedContext, year: int, *codes: str) -> float:
    """The share of a unit's enterprises assisted in ``year``: the national reach times the pace of each of
    ``codes`` (province, district), nothing before the unit joined, 60 % in its first year and in a dip year."""
    participation = ctx.data.get("participation", {})
    current = int(ctx.data.get("current_year") or timezone.localdate().year)
    reach = year_reach(year, current)
    for code in codes:
        p = participation.get(code)
        if p is None:
            continue
        if year < p["joined"]:
            return 0.0
        reach *= p["pace"] * (0.6 if year == p["joined"] and year > FIRST_YEAR else 1.0)
        reach *= 0.6 if p.get("dip") == year else 1.0
    return min(reach, 0.98)


def ensure_user(ctx: SeedContext, *, username: str, role: str, label: str, **org: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=None, username=username, password=ctx.password, role=role, check_password=False,
                           source="seed", **org)  # type: ignore[arg-type]
    ctx.logins.append((label, username, user.organisation_name))
    return user


@seeder(order=10)
def seed_certification_bodies(ctx: SeedContext) -> None:
    count = 470 if ctx.national else 12
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code"))
    rows = []
    for i in range(1, count + 1):
        province = provinces[0] if i == 1 else provinces[ctx.rng.randrange(len(provinces))]
        if i <= 2:
            province = OrgUnit.objects.get(code="120000")
        word = CB_WORDS[i % len(CB_WORDS)]
        rows.append(CertificationBody(
            approval_number=f"CNCA-R-{2002 + i % 20}-{i:03d}",
            name=(f"{province.name.rstrip('省市')}{word}认证有限公司" if i > 2
                  else ["天津华诚认证中心", "北方质量认证有限公司"][i - 1]),
            status=CertificationBodyStatus.ACTIVE if i % 41 else CertificationBodyStatus.SUSPENDED,
            province=province,
        ))
    CertificationBody.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    ctx.data["cbs"] = list(CertificationBody.objects.order_by("approval_number").values_list("pk", flat=True))


@seeder(order=90)
def seed_staff_logins(ctx: SeedContext) -> None:
    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    ensure_user(ctx, username="hq", role=Role.HQ, label="总局", org_unit=country, full_name="总局 王司长")
    ensure_user(ctx, username="tianjin", role=Role.PROVINCE, label="省局（天津）",
                org_unit=OrgUnit.objects.get(code="120000"), full_name="天津市局 张争")
    ensure_user(ctx, username="hebei", role=Role.PROVINCE, label="省局（河北）",
                org_unit=OrgUnit.objects.get(code="130000"), full_name="河北省局 李明")
    ensure_user(ctx, username="beichen", role=Role.DISTRICT, label="区县局（北辰）",
                org_unit=OrgUnit.objects.get(code="120113"), full_name="北辰区局 赵敏")
    ensure_user(ctx, username="wuqing", role=Role.DISTRICT, label="区县局（武清）",
                org_unit=OrgUnit.objects.get(code="120114"), full_name="武清区局 孙磊")
    ensure_user(ctx, username="expert", role=Role.EXPERT, label="评估专家", org_unit=country,
                full_name="评估专家 周教授")
    first, second = CertificationBody.objects.order_by("approval_number")[:2]
    ensure_user(ctx, username="cb", role=Role.CB, label="认证机构", certification_body=first,
                full_name="认证机构 刘工")
    ensure_user(ctx, username="cb2", role=Role.CB, label="认证机构（另一家）", certification_body=second,
                full_name="认证机构 陈工")


# ---- Pilot regions ---------------------------------------------------------------------------------------

# Tianjin's four 2024 pilots (seed 002): industry -> district codes.
TIANJIN_PILOTS: list[tuple[str, list[str]]] = [
    ("电动自行车", ["120113", "120114", "120118", "120117"]),
    ("高端装备制造", ["120116"]),
    ("地毯", ["120114"]),
    ("汽车及零部件", ["120117", "120116"]),
]
NATIONAL_INDUSTRIES = ["纺织服装", "家具制造", "五金制品", "食品加工", "电子信息", "医疗器械", "陶瓷", "箱包",
                       "农机装备", "新能源电池", "模具", "轴承", "眼镜", "小家电", "建材", "化工新材料",
                       "茶叶", "汽车零部件", "光伏", "紧固件", "乐器", "制笔", "泵阀", "玩具", "印刷包装",
                       "船舶配套", "塑料制品", "灯具", "锂电", "中药材", "钢结构"]
SAMPLE_TEXT = {
    "background_industry": "{industry}产业是{place}的特色产业，集聚小微企业{total}家，产业链条较为完整。",
    "background_needs": "企业普遍反映质量管理基础薄弱，亟需建立并有效运行质量管理体系，提升产品一次交验合格率。",
    "background_pain_points": ("通过走访调研，梳理出原材料进货检验不严、过程控制记录缺失、"
                               "售后质量信息未闭环等共性“痛点”{found}个。"),
    "measures": ("1. 成立试点工作专班，印发实施方案；\n2. 组织认证机构专家进企业开展把脉问诊；\n"
                 "3. 开展普遍性培训与一对一定制化培训。"),
    "results": "参与试点小微企业{participating}家，其中精准帮扶{assisted}家，解决共性质量管理“痛点”{solved}个。",
    "experience_highlights": "坚持“一业一策”，将认证帮扶与产业政策相结合。",
    "experience_models": "形成“政府引导＋机构帮扶＋链主带动”的帮扶模式。",
    "experience_typical": "编制行业质量管理帮扶工作指南，总结典型案例并在区域内推广。",
    "problems": "部分企业参与积极性不高，持续改进的内生动力不足；专业人才较为缺乏。",
    "next_steps": "扩大试点覆盖面，推动成熟度等级评价，建立常态化跟踪机制。",
}


def sample_statistics(rng: random.Random) -> dict[str, Any]:
    """Figures that obey every annex-3 rule, at the scale of a district cluster."""
    total = rng.randint(80, 600)
    participating = rng.randint(20, min(total, 120))
    found = rng.randint(5, 30)
    values: dict[str, Any] = {
        "total_enterprises": total,
        "participating_enterprises": participating,
        "trained_enterprises": rng.randint(participating // 2, participating),
        "assisted_enterprises": rng.randint(participating // 3, participating),
        "leader_deployed_enterprises": rng.randint(0, participating // 2),
        "qms_enterprises": rng.randint(participating // 4, participating),
        "digital_qms_enterprises": rng.randint(0, participating // 3),
        "pain_points_found": found,
        "pain_points_solved": rng.randint(found // 2, found),
        "talents_trained": rng.randint(20, 300),
        "high_tech_enterprises": rng.randint(0, participating // 4),
        "standard_compliant_enterprises": rng.randint(0, participating),
        "chain_pain_points_found": rng.randint(2, 15),
        "common_pain_points_solved": rng.randint(1, found),
        "chain_leaders": rng.randint(1, 6),
        "matching_funds": Decimal(rng.randint(50, 2000)),
        "incentive_policies": rng.randint(1, 8),
    }
    for column in annex3.TABLE2_COLUMNS:
        if isinstance(column, annex3.Leveled):
            for name in column.field_names():
                values[name] = rng.randint(0, 6)
    for pair in annex3.ALL_PAIRS:
        if pair.kind == "amount":
            before = Decimal(rng.randint(5_000, 500_000))
            after = (before * Decimal(1 + rng.randint(2, 15) / 100)).quantize(Decimal("0.01"))
        elif pair.key in {"defect_rate", "complaint_rate"}:
            before = Decimal(rng.randint(200, 800)) / 100
            after = (before * Decimal(rng.randint(60, 95)) / 100).quantize(Decimal("0.01"))
        elif pair.key in {"market_share", "gdp_share"}:
            before = Decimal(rng.randint(100, 2500)) / 100
            after = min(Decimal(100), before + Decimal(rng.randint(0, 200)) / 100)
        else:
            before = Decimal(rng.randint(8000, 9600)) / 100
            after = min(Decimal(100), before + Decimal(rng.randint(50, 400)) / 100)
        values[pair.before], values[pair.after] = before, after
    return values


def _seed_filing(ctx: SeedContext, pilot: PilotRegion, year: int, status: str, place: str) -> None:
    values = sample_statistics(ctx.rng)
    texts = {key: template.format(industry=pilot.industry, place=place, total=values["total_enterprises"],
                                  found=values["pain_points_found"],
                                  participating=values["participating_enterprises"],
                                  assisted=values["assisted_enterprises"], solved=values["pain_points_solved"])
             for key, template in SAMPLE_TEXT.items() if key in annex2.leaf_keys()}
    now = timezone.now()
    if year < timezone.localdate().year:  # a past year's report went in before its deadline
        now = dt.datetime(year, 10, 28, 16, tzinfo=ZoneInfo(settings.TIME_ZONE))
    filing, _ = PilotFiling.objects.update_or_create(
        pilot=pilot, programme_year_id=year,
        defaults={**texts, "status": status,
                  "submitted_at": now if status != PilotFilingStatus.DRAFT else None,
                  "reviewed_at": now + dt.timedelta(days=20) if status == PilotFilingStatus.ACCEPTED else None},
    )
    stats = PilotStatistics(filing=filing, **values)
    stats.full_clean(exclude=["filing"], validate_constraints=False)  # the database checks them on save
    PilotStatistics.objects.filter(filing=filing).delete()
    stats.save()


# Seed 004: 首批9个，第二批26个. Tianjin's four 2024 pilots count in the second batch.
FIRST_BATCH = 9


@seeder(order=25)  # after the enterprises, before the ledger (whose records name their pilot)
def seed_pilot_regions(ctx: SeedContext) -> None:
    """Tianjin's four 2024 pilots with sample annex-3 sheets (earlier years accepted, the current year's report in
    progress) and two batches of pilots across the other provinces (9 from 2023, 26 from 2024 with 天津's, as in
    the seeds), each filing every year from its start."""
    tianjin = OrgUnit.objects.get(code="120000")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c for _, cs in TIANJIN_PILOTS for c in cs})}
    all_years = programme_years()
    current = timezone.localdate().year
    for index, (industry, codes) in enumerate(TIANJIN_PILOTS):
        pilot, _ = PilotRegion.objects.get_or_create(
            province=tianjin, name=f"天津市{industry}产业区域试点",
            defaults={"industry": industry, "batch": 2, "start_year": 2024},
        )
        pilot.districts.set([units[c] for c in codes])
        place = "、".join(units[c].name for c in codes)
        for year in (y for y in all_years if y >= pilot.start_year):
            if year < current:
                status = PilotFilingStatus.ACCEPTED
            else:
                status = [PilotFilingStatus.SUBMITTED, PilotFilingStatus.DRAFT][index % 2]
            _seed_filing(ctx, pilot, year, status, place)
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).exclude(code="120000").order_by("code"))
    districts_by_province: dict[str, list[OrgUnit]] = {}
    districts = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT)
    if not ctx.national:  # the demo's pilots lie where its enterprises are
        districts = districts.filter(enterprises__isnull=False).distinct()
    for district in districts.only("pk", "code", "name", "path").order_by("code"):
        code = district.province_code
        if code:
            districts_by_province.setdefault(code, []).append(district)
    chosen = ctx.rng.sample(provinces, k=min(len(provinces), len(NATIONAL_INDUSTRIES)))
    for i, province in enumerate(chosen):
        pool = districts_by_province.get(province.code, [])
        if not pool:
            continue
        industry = NATIONAL_INDUSTRIES[i]
        batch, start = (1, 2023) if i < FIRST_BATCH else (2, 2024)
        pilot, _ = PilotRegion.objects.get_or_create(
            province=province, name=f"{province.name}{industry}产业区域试点",
            defaults={"industry": industry, "batch": batch, "start_year": start},
        )
        picked = ctx.rng.sample(pool, k=min(len(pool), ctx.rng.randint(1, 2)))
        pilot.districts.set(picked)
        place = "、".join(d.name for d in picked)
        for year in (y for y in all_years if y >= start):
            if year < current:
                status = PilotFilingStatus.ACCEPTED
            else:
                status = PilotFilingStatus.SUBMITTED if ctx.rng.random() < 0.6 else PilotFilingStatus.DRAFT
            _seed_filing(ctx, pilot, year, status, place)


@seeder(order=92)
def seed_pilot_logins(ctx: SeedContext) -> None:
    ensure_user(ctx, username="binhai", role=Role.DISTRICT, label="区县局（滨海新区，试点）",
                org_unit=OrgUnit.objects.get(code="120116"), full_name="滨海新区局 钱进")
    ensure_user(ctx, username="xiqing", role=Role.DISTRICT, label="区县局（西青，非试点）",
                org_unit=OrgUnit.objects.get(code="120111"), full_name="西青区局 吴刚")
