"""The catalogue's ledger and training indicators (``reporting.indicators``): defined here, beside their data.

A ledger or training record counts in the subtree of its district (the ledger's by its enterprise's district, the
training's by the district it was held in) and in its programme year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from reporting.indicators import (
    Aggregation,
    BodyValues,
    Indicator,
    Scope,
    Source,
    Values,
    body_breakdown,
    by_subtree,
    indicator_source,
    pick,
    ratio,
)

from .models import LedgerRecord, TrainingRecord

ASSISTED = Indicator(
    "assisted_enterprises", _("精准帮扶小微企业"), "家", Source.LEDGER,
    _("当年有帮扶台账记录的企业（按统一社会信用代码去重）"), Aggregation.DISTINCT, short_name=_("帮扶企业"))
LEDGER_CBS = Indicator(
    "ledger_cbs", _("参与帮扶的认证机构"), "家", Source.LEDGER,
    _("当年在本辖区企业有帮扶台账记录的认证机构（去重）"), Aggregation.DISTINCT, short_name=_("认证机构"))
LEDGER_RECORDS = Indicator(
    "ledger_records", _("帮扶台账记录"), "条", Source.LEDGER, _("当年帮扶台账记录数"), Aggregation.SUM)
FEE_REDUCED = Indicator(
    "fee_reduced_enterprises", _("减免认证费用的企业"), "家", Source.LEDGER,
    _("当年减免费用大于0的帮扶记录所涉企业（去重）"), Aggregation.DISTINCT, short_name=_("减免费用企业"))
FEE_REDUCTION = Indicator(
    "fee_reduction", _("减免认证费用合计"), "元", Source.LEDGER, _("当年帮扶台账减免费用之和"),
    Aggregation.SUM, short_name=_("减免费用"))
PROBLEMS_FOUND = Indicator(
    "problems_found", _("发现质量问题"), "个", Source.LEDGER, _("当年帮扶台账发现质量问题数之和"), Aggregation.SUM)
PROBLEMS_SOLVED = Indicator(
    "problems_solved", _("解决质量问题"), "个", Source.LEDGER, _("当年帮扶台账解决质量问题数之和"), Aggregation.SUM)
SOLVED_RATE = Indicator(
    "problems_solved_rate", _("质量问题解决率"), "%", Source.LEDGER,
    _("解决质量问题数之和 ÷ 发现质量问题数之和 × 100"), Aggregation.RATIO, short_name=_("问题解决率"))

TRAINING_SESSIONS = Indicator(
    "training_sessions", _("质量认证宣传培训"), "场", Source.TRAINING, _("当年培训台账记录（每条一场）"),
    Aggregation.SUM, short_name=_("培训场次"))
TRAINED_ENTERPRISES = Indicator(
    "trained_enterprises", _("免费培训企业"), "家", Source.TRAINING, _("当年培训台账参训企业数之和"),
    Aggregation.SUM, short_name=_("培训企业"))
TRAINED_PERSONS = Indicator(
    "trained_persons", _("免费培训人次"), "人次", Source.TRAINING, _("当年培训台账参训人次之和"),
    Aggregation.SUM, short_name=_("培训人次"))


def _ledger_aggregates() -> dict[str, Any]:
    """The ledger's figures as aggregates: one definition for a unit's subtree and for a CB within it."""
    return {
        "enterprises": Count("enterprise", distinct=True),
        "cbs": Count("certification_body", distinct=True),
        "records": Count("pk"),
        "fee_enterprises": Count("enterprise", distinct=True, filter=Q(fee_reduction__gt=0)),
        "fee": Sum("fee_reduction"),
        "found": Sum("problems_found"),
        "solved": Sum("problems_solved"),
    }


# An enterprise is in exactly one district: its distinct count over disjoint subtrees is the sum of theirs (a
# certification body works across provinces: its distinct count is not).
LEDGER_ADDITIVE = ("enterprises", "records", "fee_enterprises", "fee", "found", "solved")


def _ledger_values(rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[Any, Any]]:
    return pick(rows, assisted_enterprises="enterprises", ledger_cbs="cbs", ledger_records="records",
                fee_reduced_enterprises="fee_enterprises", fee_reduction="fee", problems_found="found",
                problems_solved="solved", problems_solved_rate=lambda r: ratio(r["solved"], r["found"]))


def _training_aggregates() -> dict[str, Any]:
    return {"sessions": Count("pk"), "enterprises": Sum("enterprise_count"), "persons": Sum("person_count")}


def _training_values(rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[Any, Any]]:
    return pick(rows, training_sessions="sessions", trained_enterprises="enterprises", trained_persons="persons")


@indicator_source(ASSISTED, LEDGER_CBS, LEDGER_RECORDS, FEE_REDUCED, FEE_REDUCTION, PROBLEMS_FOUND,
                  PROBLEMS_SOLVED, SOLVED_RATE)
def ledger_indicators(units: Sequence[Scope], years: Sequence[int],
                      period: bool = False) -> Mapping[str, Values]:
    rows = by_subtree(LedgerRecord.objects.all(), path="enterprise__district__path", year="programme_year_id",
                      units=units, years=years, period=period, additive=LEDGER_ADDITIVE, **_ledger_aggregates())
    return _ledger_values(rows)


def assisted_values(units: Sequence[Scope], years: Sequence[int], period: bool = False) -> Values:
    """``assisted_enterprises`` alone, by the same aggregate (for a source that builds on it)."""
    rows = by_subtree(LedgerRecord.objects.all(), path="enterprise__district__path", year="programme_year_id",
                      units=units, years=years, period=period, additive=("enterprises",),
                      enterprises=_ledger_aggregates()["enterprises"])
    return {at: row["enterprises"] for at, row in rows.items()}


@indicator_source(TRAINING_SESSIONS, TRAINED_ENTERPRISES, TRAINED_PERSONS)
def training_indicators(units: Sequence[Scope], years: Sequence[int],
                        period: bool = False) -> Mapping[str, Values]:
    aggregates = _training_aggregates()
    rows = by_subtree(TrainingRecord.objects.all(), path="district__path", year="programme_year_id", units=units,
                      years=years, period=period, additive=aggregates, **aggregates)
    return _training_values(rows)


def _by_body(qs: Any, path: str, unit: Scope, years: Sequence[int], aggregates: dict[str, Any]
             ) -> dict[tuple[int, int], dict[str, Any]]:
    grouped = qs.filter(**{f"{path}__startswith": unit.path, "programme_year_id__in": list(years)}).values(
        "certification_body_id", "programme_year_id").annotate(**aggregates).order_by()
    return {(r.pop("certification_body_id"), r.pop("programme_year_id")): r for r in grouped}


@body_breakdown("assisted_enterprises", "ledger_records", "fee_reduced_enterprises", "fee_reduction",
                "problems_found", "problems_solved", "problems_solved_rate")
def ledger_by_body(unit: Scope, years: Sequence[int]) -> Mapping[str, BodyValues]:
    return _ledger_values(_by_body(LedgerRecord.objects.all(), "enterprise__district__path", unit, years,
                                   _ledger_aggregates()))


@body_breakdown("training_sessions", "trained_enterprises", "trained_persons")
def training_by_body(unit: Scope, years: Sequence[int]) -> Mapping[str, BodyValues]:
    return _training_values(_by_body(TrainingRecord.objects.all(), "district__path", unit, years,
                                     _training_aggregates()))
