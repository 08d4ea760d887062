"""The catalogue's questionnaire indicators (``reporting.indicators``), computed by the questionnaire's aggregates
(``selectors``: the population, the rates and the means are defined there, once), every year in one query.

The pilots' figure (``q_effect_very_obvious_pilots``) is ``q_effect_very_obvious`` by the same aggregates, over the
enterprises of the districts of the pilot regions active in the year alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from programme.models import PilotRegion
from reporting.indicators import (
    Aggregation,
    Better,
    BodyValues,
    Indicator,
    Level,
    Scope,
    Source,
    Values,
    body_breakdown,
    indicator_source,
    ratio,
    values_of,
)

from ..indicators import ASSISTED, assisted_values
from ..models import Enterprise, LedgerRecord
from .models import Response, ResponseStatus
from .selectors import Aggregates, counted_responses_in, response_aggregates_by_subtree

Q = Source.QUESTIONNAIRE


def _rate(key: str, name: Any, answer: Any, short: Any, better: str = Better.UP) -> Indicator:
    return Indicator(key, name, "%", Q, format_lazy(_("已提交问卷中{answer}的占比"), answer=answer), Aggregation.RATIO,
                     Better(better), short_name=short)


def _metric(key: str, name: Any, short: Any, better: str = Better.UP, points: bool = False) -> Indicator:
    formula = (_("每家企业帮扶前后之差（百分点）的平均值，单家截取在[−100, 200]") if points
               else _("每家企业帮扶前后相对变化（%）的平均值，单家截取在[−100, 200]"))
    return Indicator(key, name, "%", Q, formula, Aggregation.MEAN, Better(better), short_name=short)


RESPONSE_RATE = Indicator(
    "q_response_rate", _("问卷回收率"), "%", Q, _("已提交问卷的帮扶企业 ÷ 当年帮扶企业 × 100"), Aggregation.RATIO,
    short_name=_("问卷回收率"))
SUBMITTED = Indicator(
    "q_submitted", _("已提交问卷"), "份", Q, _("当年帮扶企业提交的问卷数"), Aggregation.SUM, short_name=_("已提交问卷"))
EFFECT_OBVIOUS = _rate("q_effect_obvious", _("认为帮扶效果明显的企业占比"), _("“明显”或“非常明显”"), _("效果明显"))
EFFECT_VERY = _rate("q_effect_very_obvious", _("认为帮扶效果非常明显的企业占比"), _("“非常明显”"), _("效果非常明显"))
EFFECT_VERY_PILOTS = Indicator(
    "q_effect_very_obvious_pilots", _("区域试点内企业提升效果非常明显率"), "%", Q,
    format_lazy(_("当年在试区域试点所含区县的企业已提交问卷中{answer}的占比"), answer=_("“非常明显”")),
    Aggregation.RATIO, levels=frozenset({Level.COUNTRY, Level.PROVINCE}), short_name=_("试点效果非常明显"))
SATISFACTION = Indicator(
    "q_satisfaction", _("企业对帮扶成效满意度"), "%", Q,
    _("各满意度题目中“满意”或“非常满意”占比的平均值"), Aggregation.MEAN, short_name=_("满意度"))
SAT_TRAINING = _rate("q_sat_training", _("对宣传培训满意的企业占比"), _("“满意”或“非常满意”"), _("培训满意"))
SAT_CB_ABILITY = _rate("q_sat_cb_ability", _("对认证机构专业能力满意的企业占比"), _("“满意”或“非常满意”"),
                       _("机构能力满意"))
SAT_CB_ATTITUDE = _rate("q_sat_cb_attitude", _("对认证机构服务态度满意的企业占比"), _("“满意”或“非常满意”"),
                        _("服务态度满意"))
SAT_POLICY = _rate("q_sat_policy", _("对激励引导政策满意的企业占比"), _("“满意”或“非常满意”"), _("政策满意"))
SAT_FOLLOW_UP = _rate("q_sat_follow_up", _("对持续跟踪服务满意的企业占比"), _("“满意”或“非常满意”"), _("跟踪满意"))
MATURITY_ROSE = _rate("q_maturity_rose", _("质量管理成熟度提升至少一级的企业占比"), _("帮扶后成熟度至少高一级"),
                      _("成熟度提升"))
BURDEN = _rate("q_burden", _("认为增加明显负担的企业占比"), _("“是”"), _("增加负担"), Better.DOWN)
REVENUE = _metric("q_revenue", _("年度营收平均变化"), _("营收变化"))
SALES = _metric("q_sales", _("年产品销售额平均变化"), _("销售额变化"))
PROFIT = _metric("q_profit_margin", _("年利润率平均变化"), _("利润率变化"))
QUALITY_COST = _metric("q_quality_cost", _("质量成本控制率平均变化"), _("质量成本变化"), Better.DOWN)
FIRST_PASS = _metric("q_first_pass_yield", _("产品一次交验合格率平均变化"), _("一次合格率变化"))
CUSTOMER_SAT = _metric("q_customer_satisfaction", _("消费者满意度平均变化"), _("消费者满意度变化"))

SATISFACTION_ITEMS = {"q_sat_training": "training", "q_sat_cb_ability": "cb_ability",
                      "q_sat_cb_attitude": "cb_attitude", "q_sat_policy": "policy", "q_sat_follow_up": "follow_up"}
METRICS = {"q_revenue": "revenue", "q_sales": "sales", "q_profit_margin": "profit_margin",
           "q_quality_cost": "quality_cost", "q_first_pass_yield": "first_pass_yield",
           "q_customer_satisfaction": "customer_satisfaction"}


def _mean(values: Any) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


READERS: dict[str, Callable[[Aggregates], Any]] = {
    "q_response_rate": lambda a: a.response_rate,
    "q_submitted": lambda a: a.submitted if a.assisted else None,
    "q_effect_obvious": lambda a: a.effect_obvious_rate,
    "q_effect_very_obvious": lambda a: a.effect_very_obvious_rate,
    "q_satisfaction": lambda a: _mean(a.satisfaction_rates.values()),
    "q_maturity_rose": lambda a: a.maturity_rose_rate,
    "q_burden": lambda a: a.burden_rate,
}


def _item_reader(item: str) -> Callable[[Aggregates], Any]:
    return lambda a: a.satisfaction_rates.get(item)


def _metric_reader(metric: str) -> Callable[[Aggregates], Any]:
    return lambda a: a.metric_changes.get(metric)


READERS |= {key: _item_reader(item) for key, item in SATISFACTION_ITEMS.items()}
READERS |= {key: _metric_reader(m) for key, m in METRICS.items()}


def questionnaire_aggregates(units: Sequence[Scope], years: Sequence[int]) -> dict[tuple[str, int], Aggregates]:
    """The questionnaire's aggregates of each unit and year, every year at once: the counted questionnaires
    grouped by unit and year, the response rate over the catalogue's assisted enterprises (the ledger's figure,
    taken from the ledger's own computation when the same ``compute`` asks for it)."""
    assisted = values_of(ASSISTED.key, units=units, years=years)
    if assisted is None:
        assisted = assisted_values(units, years)
    return response_aggregates_by_subtree(responses=counted_responses_in(years), units=units, years=years,
                                          assisted=assisted)


@indicator_source(RESPONSE_RATE, SUBMITTED, EFFECT_OBVIOUS, EFFECT_VERY, SATISFACTION, SAT_TRAINING, SAT_CB_ABILITY,
                  SAT_CB_ATTITUDE, SAT_POLICY, SAT_FOLLOW_UP, MATURITY_ROSE, BURDEN, REVENUE, SALES, PROFIT,
                  QUALITY_COST, FIRST_PASS, CUSTOMER_SAT)
def questionnaire_indicators(units: Sequence[Scope], years: Sequence[int],
                             period: bool = False) -> Mapping[str, Values]:
    out: dict[str, Values] = {key: {} for key in READERS}
    for at, agg in questionnaire_aggregates(units, years).items():
        for key, read in READERS.items():
            out[key][at] = read(agg)
    return out


def _pilot_districts(year: int) -> list[int]:
    """The districts of the pilot regions active in ``year``."""
    through = PilotRegion.districts.through.objects.filter(pilotregion__in=PilotRegion.objects.active_in(year))
    return sorted(set(through.values_list("orgunit_id", flat=True)))


@indicator_source(EFFECT_VERY_PILOTS)
def questionnaire_pilot_indicators(units: Sequence[Scope], years: Sequence[int],
                                   period: bool = False) -> Mapping[str, Values]:
    """The counted questionnaires of each year's pilot districts, all the years in one query per depth."""
    wanted = [u for u in units if EFFECT_VERY_PILOTS.applies_to(u.level)]
    districts = {year: _pilot_districts(year) for year in years} if wanted else {}
    in_pilots = [models.Q(programme_year_id=year, enterprise__district_id__in=ids) for year, ids in districts.items()
                 if ids]
    if not in_pilots:  # no pilot in any of the years: no data
        return {EFFECT_VERY_PILOTS.key: {}}
    anywhere = sorted({d for ids in districts.values() for d in ids})  # lets the database start from the few
    responses = counted_responses_in([y for y, ids in districts.items() if ids]).filter(  # pilots' enterprises
        reduce(or_, in_pilots), enterprise__in=Enterprise.objects.filter(district_id__in=anywhere))
    read = READERS[EFFECT_VERY.key]  # the same rate, over the pilots' questionnaires
    aggregates = response_aggregates_by_subtree(responses=responses, units=wanted, years=list(districts))
    return {EFFECT_VERY_PILOTS.key: {at: read(agg) for at, agg in aggregates.items()}}


@body_breakdown("q_submitted", "q_response_rate")
def questionnaire_by_body(unit: Scope, years: Sequence[int]) -> Mapping[str, BodyValues]:
    """Per certification body within the unit: of the enterprises it assisted in the year, how many submitted the
    year's questionnaire (the response rate's population, restricted to the body's enterprises)."""
    submitted = Exists(Response.objects.filter(enterprise=OuterRef("enterprise"),
                                               programme_year_id=OuterRef("programme_year_id"),
                                               status=ResponseStatus.SUBMITTED))
    rows = LedgerRecord.objects.filter(enterprise__district__path__startswith=unit.path,
                                       programme_year_id__in=list(years)).values(
        "certification_body_id", "programme_year_id").annotate(
        assisted=Count("enterprise", distinct=True),
        submitted=Count("enterprise", distinct=True, filter=submitted)).order_by()
    out: dict[str, BodyValues] = {"q_submitted": {}, "q_response_rate": {}}
    for row in rows:
        at = (row["certification_body_id"], row["programme_year_id"])
        out["q_submitted"][at] = row["submitted"]
        out["q_response_rate"][at] = ratio(row["submitted"], row["assisted"])
    return out
