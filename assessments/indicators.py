"""The catalogue's self-assessment and evaluation indicators (``reporting.indicators``), beside their data.

Self-assessment figures are what a unit reports of itself: a province's or a district's figure is its own submitted
(or accepted) self-assessment of the year; the country's is the sum over the provincial units' (as seed 000 adds
them up). Money is reported in 万元 and kept in the catalogue in 元.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reporting.indicators import (
    Aggregation,
    Better,
    Indicator,
    Level,
    Scope,
    Source,
    Values,
    by_subtree,
    indicator_source,
    ratio,
)

from .models import (
    FIGURE_FIELDS,
    MONEY_FIGURES,
    SUBMITTED_STATUSES,
    EvaluationStatus,
    ExcellentCase,
    SelfAssessment,
    UnitResult,
)

SA = Source.SELF_ASSESSMENT
OWN_OR_SUM = _("本单位当年已提交自评材料中的“{label}”；全国为各省级单位之和")
UNIT_LEVELS = frozenset({Level.PROVINCE, Level.DISTRICT})


def _figure(name: str, label: str, unit: str) -> Indicator:
    return Indicator(f"sa_{name}", _(label), "元" if name in MONEY_FIGURES else unit, SA,
                     format_lazy(OWN_OR_SUM, label=_(label)), Aggregation.SUM, short_name=_(label))


SA_FIGURES = [_figure(name, label, unit) for name, label, unit in FIGURE_FIELDS]
SA_SUBMITTED = Indicator(
    "sa_submitted", _("已提交自评的单位"), "个", SA,
    _("当年已提交（或已通过）自评的单位数：省级单位为其本身（0或1），全国为已提交的省级单位数"), Aggregation.SUM,
    short_name=_("已提交自评"))
SA_ON_TIME = Indicator(
    "sa_on_time_rate", _("自评按时提交率"), "%", SA, _("按时提交的自评 ÷ 已提交的自评 × 100"), Aggregation.RATIO,
    short_name=_("按时提交率"))


def _sa_rows(units: Sequence[Scope], years: Sequence[int]) -> dict[tuple[str, int], dict[str, Any]]:
    submitted = SelfAssessment.objects.filter(programme_year_id__in=years, status__in=SUBMITTED_STATUSES)
    sums: dict[str, Any] = {name: Sum(name) for name, _label, _unit in FIGURE_FIELDS}
    sums |= {"n": Count("pk"), "on_time": Count("pk", filter=Q(is_late=False))}
    out: dict[tuple[str, int], dict[str, Any]] = {}
    own = [u.code for u in units if u.level in UNIT_LEVELS]
    if own:
        grouped: Any = submitted.filter(unit__code__in=own).values("unit__code", "programme_year_id")
        for row in grouped.annotate(**sums).order_by():
            out[(row.pop("unit__code"), row.pop("programme_year_id"))] = row
    for country in (u for u in units if u.level == Level.COUNTRY):
        national: Any = submitted.filter(unit__level=Level.PROVINCE).values("programme_year_id")
        for row in national.annotate(**sums).order_by():
            out[(country.code, row.pop("programme_year_id"))] = row
    return out


@indicator_source(*SA_FIGURES, SA_SUBMITTED, SA_ON_TIME)
def self_assessment_indicators(units: Sequence[Scope], years: Sequence[int],
                               period: bool = False) -> Mapping[str, Values]:
    rows = _sa_rows(units, years)
    out: dict[str, Values] = {ind.key: {} for ind in (*SA_FIGURES, SA_SUBMITTED, SA_ON_TIME)}
    for at, row in rows.items():
        for name, _label, _unit in FIGURE_FIELDS:
            value = row.get(name)
            if value is not None and name in MONEY_FIGURES:
                value = Decimal(value) * 10000
            out[f"sa_{name}"][at] = value
        out["sa_submitted"][at] = row["n"]
        out["sa_on_time_rate"][at] = ratio(row["on_time"], row["n"])
    # A unit that submitted nothing that year has submitted 0 self-assessments (a count, not "no data").
    for u in units:
        for y in years:
            out["sa_submitted"].setdefault((u.code, y), 0)
    return out


EVAL_TOTAL = Indicator(
    "evaluation_total", _("成效评估总分"), "分", Source.EVALUATION,
    _("当年已发布的成效评估中本单位的总分（专家评分 + 问卷测评）"), Aggregation.OWN, levels=UNIT_LEVELS,
    short_name=_("评估总分"))
EVAL_RANK = Indicator(
    "evaluation_rank", _("成效评估排名"), "名次", Source.EVALUATION, _("当年已发布的成效评估中本单位的名次"),
    Aggregation.OWN, Better.DOWN, levels=UNIT_LEVELS, short_name=_("排名"))
EVAL_QUESTIONNAIRE = Indicator(
    "evaluation_questionnaire", _("问卷测评得分"), "分", Source.EVALUATION,
    _("当年已发布的成效评估中本单位的问卷测评小计"), Aggregation.OWN, levels=UNIT_LEVELS, short_name=_("问卷测评"))


@indicator_source(EVAL_TOTAL, EVAL_RANK, EVAL_QUESTIONNAIRE)
def evaluation_indicators(units: Sequence[Scope], years: Sequence[int],
                          period: bool = False) -> Mapping[str, Values]:
    codes = [u.code for u in units if u.level in UNIT_LEVELS]
    out: dict[str, Values] = {"evaluation_total": {}, "evaluation_rank": {}, "evaluation_questionnaire": {}}
    if not codes:
        return out
    results = UnitResult.objects.filter(
        unit__code__in=codes, evaluation__programme_year_id__in=years,
        evaluation__status=EvaluationStatus.PUBLISHED,
    ).values_list("unit__code", "evaluation__programme_year_id", "total", "rank", "questionnaire_subtotal")
    for code, year, total, rank, questionnaire in results:
        out["evaluation_total"][(code, year)] = total
        out["evaluation_rank"][(code, year)] = rank
        out["evaluation_questionnaire"][(code, year)] = questionnaire
    return out


CASES_RECOMMENDED = Indicator(
    "cases_recommended", _("推荐的企业优良案例"), "个", Source.EVALUATION,
    _("当年推荐的优良案例数：全国为各省级单位推荐至总局的案例，省级单位和区县为本辖区区县推荐的案例"),
    Aggregation.SUM, short_name=_("优良案例"))


@indicator_source(CASES_RECOMMENDED)
def excellent_case_indicators(units: Sequence[Scope], years: Sequence[int],
                              period: bool = False) -> Mapping[str, Values]:
    """Seed 000's "遴选了…26个企业优良案例": HQ counts the cases the provinces recommended to it, a province (or a
    district) the cases its districts recommended."""
    out: Values = {}
    cases = ExcellentCase.objects.all()
    country = [u for u in units if u.level == Level.COUNTRY]
    below = [u for u in units if u.level != Level.COUNTRY]
    for group, qs in ((country, cases.filter(recommended_at__isnull=False)), (below, cases)):
        if group:
            rows = by_subtree(qs, path="district__path", year="programme_year_id", units=group, years=years,
                              n=Count("pk"))
            out.update({at: row["n"] for at, row in rows.items()})
    # A count of what was recommended: a unit without a case has recommended 0 (not "no data").
    for u in units:
        for y in years:
            out.setdefault((u.code, y), 0)
    return {"cases_recommended": out}
