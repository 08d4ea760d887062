"""Demo data of reporting: industry-chain quality management problems solved in the plan's years (2025 to the
current year), recorded by HQ and the provinces, and Tianjin's own targets beside the national ones (which are
reference data, ``reporting.reference``). Deterministic (``ctx.rng``) and bulk; running it again adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from portal.seeding import SeedContext, seeder

from .reference import PLAN_FIRST_YEAR, PLAN_LAST_YEAR

# (industry chain, problem, what was done)
CHAIN_CASES = [
    ("新能源汽车零部件", "压铸件尺寸一致性差，整车厂装配返工率高",
     "链主企业牵头统一关键尺寸控制计划，认证机构为12家配套小微企业导入过程能力评价，返工率由4.1%降至1.2%。"),
    ("光伏组件", "上游背板供应商来料检验标准不一，批次质量波动大",
     "组织上下游企业联合制定来料检验规范，开展供应商质量管理体系联合审核，批次不合格率下降六成。"),
    ("纺织服装", "印染环节色差投诉多，订单流失",
     "引入测量系统分析和过程控制图，建立产业集群共享检测室，色差投诉减少七成。"),
    ("预制菜", "冷链交接环节温度记录缺失，追溯链条断档",
     "推行从原料到配送的温度记录和批次追溯制度，18家企业通过食品安全管理体系认证。"),
    ("家具制造", "板材含水率控制不稳，开裂变形退货多",
     "统一含水率检测方法和工序控制点，开展QC小组攻关，退货率下降55%。"),
    ("电子元器件", "焊接虚焊缺陷反复出现，客户审核不通过",
     "认证机构派驻专家开展失效分析，建立焊接工艺参数窗口，客户二方审核全部通过。"),
    ("五金工具", "热处理硬度分散，出口批次被退",
     "联合检测机构校准热处理设备，推行首件检验和巡检制度，出口退货清零。"),
    ("中药材", "产地初加工标准缺失，有效成分含量不稳定",
     "制定产地初加工团体标准，建立种植加工一体化质量台账，含量合格率提升至98%。"),
    ("陶瓷", "窑炉烧成曲线依赖经验，成品率低",
     "推行烧成工艺标准化和数据记录，引导企业实施质量管理体系，成品率提高9个百分点。"),
    ("农机装备", "外协件质量问题多，售后三包费用高",
     "链主企业将外协小微企业纳入共同质量管理体系，开展联合认证，三包费用下降三成。"),
    ("锂电池材料", "前驱体杂质波动，下游电芯一致性差",
     "建立上下游质量数据共享和联合质量改进机制，杂质超标批次下降八成。"),
    ("模具", "设计变更无记录，试模次数多、交期长",
     "导入设计开发控制和变更管理程序，平均试模次数由5次降至2次。"),
    ("电线电缆", "导体电阻不合格风险高，抽查不合格",
     "开展原材料进货验证和出厂检验能力提升帮扶，连续两次监督抽查全部合格。"),
    ("轴承", "磨加工表面质量不稳，主机厂索赔",
     "组织精益管理和六西格玛项目攻关，表面缺陷率下降六成，索赔金额减少一半。"),
    ("茶叶", "加工卫生条件参差，质量安全风险高",
     "推行茶叶初制所质量管理规范，组织集中培训和现场指导，42家初制所完成改造。"),
    ("汽车内饰", "气味和挥发物超标，主机厂准入受阻",
     "联合检测机构建立挥发物快速筛查方法，优化原料配方和工艺，9家企业通过主机厂准入。"),
]
PROVINCES = ["120000", "320000", "330000", "370000", "440000", "130000", "350000", "510000", "410000", "420000",
             "360000", "450000"]
PER_YEAR = {2025: 11}  # later years: fewer so far (the current one is still running)
LATER_PER_YEAR = 8

# Tianjin's own targets for the plan period (the demo's provincial login "tianjin" can edit them).
TIANJIN_TARGETS = [
    ("assisted_enterprises", Decimal(600), "cumulative", "天津市三年行动目标：精准帮扶小微企业约600家。"),
    ("training_sessions", Decimal(120), "cumulative", "天津市三年行动目标：组织宣传培训约120场。"),
    ("chain_problems_solved", Decimal(6), "cumulative", "天津市三年行动目标：解决约6个产业链质量管理难题。"),
    ("q_satisfaction", Decimal(92), "level", "天津市三年行动目标：企业对帮扶成效满意度达到92%以上。"),
]


@seeder(order=97)
def seed_chain_problems_and_targets(ctx: SeedContext) -> None:
    org_unit = apps.get_model("programme", "OrgUnit")
    programme_year = apps.get_model("programme", "ProgrammeYear")
    problem_model = apps.get_model("reporting", "ChainProblem")
    target_model = apps.get_model("reporting", "Target")
    user_model = apps.get_model("portal", "User")
    today = timezone.localdate()
    provinces = {u.code: u for u in org_unit.objects.filter(code__in=PROVINCES)}
    hq = user_model.objects.filter(username="hq").first()
    tianjin_user = user_model.objects.filter(username="tianjin").first()
    years = list(programme_year.objects.filter(year__gte=PLAN_FIRST_YEAR, year__lte=min(today.year, PLAN_LAST_YEAR))
                 .order_by("year").values_list("year", flat=True))
    rows = []
    case = 0
    for year in years:
        last_day = min(dt.date(year, 12, 31), today)
        days = (last_day - dt.date(year, 1, 1)).days
        for _n in range(PER_YEAR.get(year, LATER_PER_YEAR)):
            chain, title, measures = CHAIN_CASES[case % len(CHAIN_CASES)]
            case += 1
            code = PROVINCES[ctx.rng.randrange(len(PROVINCES))] if case > 1 else "120000"
            province = provinces.get(code)
            if province is None or days < 0:
                continue
            solved_on = dt.date(year, 1, 1) + dt.timedelta(days=ctx.rng.randint(min(60, days), days))
            recorder = tianjin_user if code == "120000" and tianjin_user is not None else hq
            rows.append(problem_model(programme_year_id=year, province=province, industry_chain=chain,
                                      title=f"{province.name}{chain}产业链：{title}", measures=measures,
                                      solved_on=solved_on, recorded_by=recorder))
    problem_model.objects.bulk_create(rows, ignore_conflicts=True)
    tianjin = provinces.get("120000")
    made = 0
    if tianjin is not None:
        for key, value, counting, note in TIANJIN_TARGETS:
            _target, created = target_model.objects.get_or_create(
                indicator=key, org_unit=tianjin,
                defaults={"first_year": PLAN_FIRST_YEAR, "last_year": PLAN_LAST_YEAR, "value": value,
                          "counting": counting, "note": note, "updated_by": tianjin_user})
            made += int(created)
    ctx.write(f"    chain problems {years[0] if years else '-'}-{years[-1] if years else '-'}: {len(rows)}; "
              f"Tianjin targets: {made} new")
