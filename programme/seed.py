"""Demo data for the programme app: the certification-body registry and the HQ and expert logins."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portal.models import User
from portal.roles import Role
from portal.seeding import SeedContext, seeder
from portal.services import user_create

from . import annex2, annex3
from .models import (
    COUNTRY_CODE,
    CertificationBody,
    CertificationBodyStatus,
    OrgUnit,
    OrgUnitLevel,
    PilotFiling,
    PilotFilingStatus,
    PilotRegion,
    PilotStatistics,
)

CB_WORDS = ["质量", "标准", "合信", "华信", "中正", "恒标", "卓越", "诚信", "信达", "联合", "环球", "正航", "新世纪",
            "方正", "中鉴", "国信", "汇智", "致远", "泰瑞", "博远"]


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
    filing, _ = PilotFiling.objects.update_or_create(
        pilot=pilot, programme_year_id=year,
        defaults={**texts, "status": status,
                  "submitted_at": now if status != PilotFilingStatus.DRAFT else None,
                  "reviewed_at": now if status == PilotFilingStatus.ACCEPTED else None},
    )
    stats = PilotStatistics(filing=filing, **values)
    stats.full_clean(exclude=["filing"])
    PilotStatistics.objects.filter(filing=filing).delete()
    stats.save()


# Seed 004: 首批9个，第二批26个. Tianjin's four 2024 pilots count in the second batch.
FIRST_BATCH = 9


@seeder(order=30)
def seed_pilot_regions(ctx: SeedContext) -> None:
    """Tianjin's four 2024 pilots with sample annex-3 sheets (2024 accepted; 2025 in progress); at national
    scale, two batches of pilots across the provinces (9 + 26 in all, as in the seeds)."""
    tianjin = OrgUnit.objects.get(code="120000")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c for _, cs in TIANJIN_PILOTS for c in cs})}
    years = [y for y in (2024, 2025) if y <= timezone.localdate().year]
    for index, (industry, codes) in enumerate(TIANJIN_PILOTS):
        pilot, _ = PilotRegion.objects.get_or_create(
            province=tianjin, name=f"天津市{industry}产业区域试点",
            defaults={"industry": industry, "batch": 2, "start_year": 2024},
        )
        pilot.districts.set([units[c] for c in codes])
        place = "、".join(units[c].name for c in codes)
        for year in years:
            if year == 2024:
                status = PilotFilingStatus.ACCEPTED
            else:
                status = [PilotFilingStatus.SUBMITTED, PilotFilingStatus.DRAFT][index % 2]
            _seed_filing(ctx, pilot, year, status, place)
    if not ctx.national:
        return
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).exclude(code="120000").order_by("code"))
    districts_by_province: dict[str, list[OrgUnit]] = {}
    for district in OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).only("pk", "code", "name", "path"):
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
        for year in years:
            status = PilotFilingStatus.ACCEPTED if ctx.rng.random() < 0.8 else PilotFilingStatus.SUBMITTED
            _seed_filing(ctx, pilot, year, status, place)


@seeder(order=92)
def seed_pilot_logins(ctx: SeedContext) -> None:
    ensure_user(ctx, username="binhai", role=Role.DISTRICT, label="区县局（滨海新区，试点）",
                org_unit=OrgUnit.objects.get(code="120116"), full_name="滨海新区局 钱进")
    ensure_user(ctx, username="xiqing", role=Role.DISTRICT, label="区县局（西青，非试点）",
                org_unit=OrgUnit.objects.get(code="120111"), full_name="西青区局 吴刚")
