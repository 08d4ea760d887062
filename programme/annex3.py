"""Annex 3 (附件3 提升行动区域试点工作统计表) described once.

The model fields, their validation, the form, the XLSX in the official layout and the PDF table are all
built from these declarations, so a header text or a level sub-row exists in exactly one place.

The official sheet has two tables:

* table 1 — 18 header cells. The first 11 columns hold one figure each (merged down the data rows);
  ``产品质量水平提升率（%）`` spans two columns: a sub-label column (产品合格率 / 一次合格率 / 残次品率, each
  over a 提升前 and a 提升后 row) and the value column; the last six columns hold one 提升前/提升后 pair.
* table 2 — 13 header cells; some columns hold one figure (merged down), others one figure per level
  sub-row (国家级/省级/市级/县级, 标准/制度/规则/方案, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["count", "percent", "amount"]

TITLE = "提升行动区域试点工作统计表"
INDUSTRY_HEADER = "试点产业名称"
BEFORE = "提升前："
AFTER = "提升后："


@dataclass(frozen=True)
class Single:
    """A column holding one figure."""

    key: str
    header: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Pair:
    """A before/after pair; ``sub_label`` is set for the three rows under 产品质量水平提升率."""

    key: str
    header: str
    kind: Kind = "percent"
    sub_label: str = ""

    @property
    def before(self) -> str:
        return f"{self.key}_before"

    @property
    def after(self) -> str:
        return f"{self.key}_after"


@dataclass(frozen=True)
class Leveled:
    """A column with one figure per level sub-row; ``levels`` are (field suffix, label as in the annex)."""

    key: str
    header: str
    levels: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def field_names(self) -> list[str]:
        return [f"{self.key}_{suffix}" for suffix, _ in self.levels]


# ---- table 1 --------------------------------------------------------------------------------------------
TABLE1_SINGLES: tuple[Single, ...] = (
    Single("total_enterprises", "区域小微企业总数（家）"),
    Single("participating_enterprises", "参与提升行动区域试点的小微企业数量（家）"),
    Single("trained_enterprises", "参与提升行动区域试点培训的小微企业数量（家）"),
    Single("assisted_enterprises", "参与提升行动区域试点精准帮扶的小微企业数量（家）"),
    Single("leader_deployed_enterprises", "“一把手”亲自部署提升行动的微企业数量（家）"),
    Single("qms_enterprises", "参与提升行动建立质量管理体系的小微企业数量（家）"),
    Single("digital_qms_enterprises", "建立数字化质量管理系统的小微企业数量（家）"),
    Single("pain_points_found", "梳理发现质量管理共性“痛点”数量（个）"),
    Single("pain_points_solved", "解决区域产业共性质量管理“痛点”问题（个）"),
    Single("talents_trained", "通过提升行动区域试点培育企业质量管理人才数量（人）"),
)
QUALITY_HEADER = "产品质量水平提升率（%）"
QUALITY_PAIRS: tuple[Pair, ...] = (
    Pair("pass_rate", QUALITY_HEADER, sub_label="产品合格率"),
    Pair("first_pass_rate", QUALITY_HEADER, sub_label="一次合格率"),
    Pair("defect_rate", QUALITY_HEADER, sub_label="残次品率"),
)
TABLE1_PAIRS: tuple[Pair, ...] = (
    Pair("customer_satisfaction", "客户满意度（%）"),
    Pair("complaint_rate", "投诉率（%）"),
    # The annex says "万元/亿元"; the portal stores 万元 and says so next to the field.
    Pair("output_value", "区域产业产值变化（万元/亿元）", kind="amount"),
    Pair("market_share", "区域产业市场占有率（%）"),
    Pair("gdp_share", "区域产业占GDP比重（%）"),
    Pair("export_value", "区域产业出口产值变化", kind="amount"),
)
# Data rows of table 1: one 提升前 and one 提升后 row per quality sub-label.
TABLE1_ROWS = 2 * len(QUALITY_PAIRS)

# ---- table 2 --------------------------------------------------------------------------------------------
TABLE2_COLUMNS: tuple[Single | Leveled, ...] = (
    Single("high_tech_enterprises", "参与“提升行动”区域试点获高新技术认定企业数量（家）"),
    Single("standard_compliant_enterprises", "开展质量管理贯标达标小微企业数量（家）"),
    Leveled("quality_awards", "试点产业获质量奖数量（个）",
            (("national", "国家级："), ("provincial", "省级："), ("municipal", "市级："), ("county", "县级："))),
    Leveled("demo_zones", "试点产业获示范区数量（个）", (("national", "国家级："), ("provincial", "省级及以下："))),
    Leveled("little_giants", "试点产业培育“专精特新小巨人”企业数量（家）",
            (("national", "国家级："), ("provincial", "省级及以下："))),
    Single("chain_pain_points_found", "梳理发现产业链供应链“痛点”问题（个）"),
    Single("common_pain_points_solved", "通过“提升行动”区域试点解决区域产业共性质量管理“痛点”问题（个）"),
    Single("chain_leaders", "“提升行动”区域试点中链主企业数量（家）"),
    Leveled("innovations", "帮扶技术创新数量（项/个）",
            (("standards", "标准："), ("systems", "制度："), ("rules", "规则："), ("plans", "方案："))),
    Leveled("maturity_outputs", "帮扶成熟度表征数量（项/个）",
            (("guides", "形成帮扶工作指南："), ("cases", "典型案例："), ("methods", "工作法："))),
    Single("matching_funds", "配套资金金额（万元）", kind="amount"),
    Leveled("participants", "相关方参与数量（个/人）",
            (("cbs", "认证机构："), ("parks", "产业/工业园区："), ("associations", "学协会："),
             ("alliances", "联盟："), ("experts", "专家："))),
    Single("incentive_policies", "扶持激励政策（项）"),
)
TABLE2_ROWS = max(len(c.levels) for c in TABLE2_COLUMNS if isinstance(c, Leveled))

ALL_PAIRS: tuple[Pair, ...] = QUALITY_PAIRS + TABLE1_PAIRS


def count_fields() -> list[str]:
    """Every integer field (sums in a roll-up)."""
    names = [s.key for s in TABLE1_SINGLES]
    for col in TABLE2_COLUMNS:
        if isinstance(col, Leveled):
            names += col.field_names()
        elif col.kind == "count":
            names.append(col.key)
    return names


def amount_fields() -> list[str]:
    """Money and output values in 万元 (sums in a roll-up)."""
    names = [c.key for c in TABLE2_COLUMNS if isinstance(c, Single) and c.kind == "amount"]
    for pair in ALL_PAIRS:
        if pair.kind == "amount":
            names += [pair.before, pair.after]
    return names


def percent_fields() -> list[str]:
    """Rates in % (averaged in a roll-up: they are not additive)."""
    names: list[str] = []
    for pair in ALL_PAIRS:
        if pair.kind == "percent":
            names += [pair.before, pair.after]
    return names


def all_fields() -> list[str]:
    return count_fields() + amount_fields() + percent_fields()


def headers() -> list[str]:
    """Every header text of the annex, in reading order (table 1 then table 2)."""
    out = [INDUSTRY_HEADER] + [s.header for s in TABLE1_SINGLES] + [QUALITY_HEADER]
    out += [p.header for p in TABLE1_PAIRS]
    out += [c.header for c in TABLE2_COLUMNS]
    return out


# Ordering rules between counts: (smaller, larger) — "smaller" may not exceed "larger".
COUNT_RULES: tuple[tuple[str, str], ...] = (
    ("participating_enterprises", "total_enterprises"),
    ("trained_enterprises", "participating_enterprises"),
    ("assisted_enterprises", "participating_enterprises"),
    ("leader_deployed_enterprises", "participating_enterprises"),
    ("qms_enterprises", "participating_enterprises"),
    ("digital_qms_enterprises", "total_enterprises"),
    ("high_tech_enterprises", "participating_enterprises"),
    ("standard_compliant_enterprises", "total_enterprises"),
    ("pain_points_solved", "pain_points_found"),
)


def label(name: str) -> str:
    """The Chinese label of one field, built from the annex's texts (for messages and forms)."""
    for s in TABLE1_SINGLES:
        if s.key == name:
            return s.header
    for pair in ALL_PAIRS:
        title = pair.sub_label or pair.header
        if name == pair.before:
            return f"{title}（{BEFORE.rstrip('：')}）"
        if name == pair.after:
            return f"{title}（{AFTER.rstrip('：')}）"
    for col in TABLE2_COLUMNS:
        if isinstance(col, Single) and col.key == name:
            return col.header
        if isinstance(col, Leveled):
            for suffix, lvl in col.levels:
                if name == f"{col.key}_{suffix}":
                    return f"{col.header} · {lvl.rstrip('：')}"
    return name
