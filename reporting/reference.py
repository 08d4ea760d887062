"""Reference data of reporting: the national targets of the three-year plan (seed 003, 《小微企业质量管理体系认证
提升行动方案》, 国家认监委 2024年11月15日: "截至2027年底 …"), for the plan period 2025–2027.

Where the plan does not say whether a figure counts over the period or each year, it is read as counted over the
period ("截至2027年底" is a total by the end of 2027): enterprises assisted are distinct over the three years, training
sessions, enterprises and person-times trained add up, regional pilots are those carried out in the period (active in
any of its years). Satisfaction ("超过90%") is a level to reach and keep. The industry-chain problems are counted
from their register (``reporting.targets``).

The loader is idempotent and never overwrites a target HQ has edited (``from_plan`` is cleared by an edit). Models
are reached through ``django.apps`` so that this module imports no feature app.
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.db import transaction

from portal.seeding import reference_loader

PLAN_FIRST_YEAR = 2025
PLAN_LAST_YEAR = 2027
PLAN = "《小微企业质量管理体系认证提升行动方案》"

# (indicator, target, counting, where the plan says it)
NATIONAL_TARGETS: list[tuple[str, Decimal, str, str]] = [
    ("assisted_enterprises", Decimal(50_000), "cumulative",
     "专栏1：截至2027年底，为约5万家小微企业开展质量认证精准帮扶。"),
    ("chain_problems_solved", Decimal(30), "cumulative",
     "专栏2：截至2027年底，梳理解决约30个产业链质量管理难题。"),
    ("pilot_regions", Decimal(40), "cumulative",
     "专栏3：截至2027年底，在全国范围内部署开展约40个区域试点（期间内在试的试点）。"),
    ("training_sessions", Decimal(30_000), "cumulative",
     "专栏4：截至2027年底，在全国范围内组织质量认证宣传培训约3万场。"),
    ("trained_enterprises", Decimal(1_000_000), "cumulative",
     "专栏4：为约100万家小微企业免费培训（按培训台账参训企业数之和）。"),
    ("trained_persons", Decimal(3_000_000), "cumulative",
     "专栏4：为约100万家小微企业免费培训约300万人次。"),
    ("q_satisfaction", Decimal(90), "level",
     "专栏1：企业对帮扶成效满意度超过90%。"),
]


@transaction.atomic
def load_national_targets() -> tuple[int, int, int]:
    """(created, updated, kept as HQ edited them)."""
    org_unit = apps.get_model("programme", "OrgUnit")
    target_model = apps.get_model("reporting", "Target")
    country = org_unit.objects.filter(parent__isnull=True).first()
    if country is None:
        return 0, 0, 0
    created = updated = kept = 0
    for key, value, counting, basis in NATIONAL_TARGETS:
        wanted = {"first_year": PLAN_FIRST_YEAR, "last_year": PLAN_LAST_YEAR, "value": value,
                  "counting": counting, "note": f"{PLAN}{basis}"}
        target = target_model.objects.filter(indicator=key, org_unit=country).first()
        if target is None:
            target_model.objects.create(indicator=key, org_unit=country, from_plan=True, **wanted)
            created += 1
        elif not target.from_plan:
            kept += 1
        elif any(getattr(target, f) != v for f, v in wanted.items()):
            target_model.objects.filter(pk=target.pk).update(**wanted)
            updated += 1
    return created, updated, kept


@reference_loader(order=60)
def national_targets_loader() -> str:
    created, updated, kept = load_national_targets()
    return (f"national targets {PLAN_FIRST_YEAR}-{PLAN_LAST_YEAR}: {len(NATIONAL_TARGETS)} "
            f"({created} created, {updated} updated, {kept} kept as edited)")
