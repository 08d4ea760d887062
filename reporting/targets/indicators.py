"""The catalogue's figure that only people record: industry-chain quality management problems solved (seed 003,
专栏2), counted from the register (:class:`reporting.targets.models.ChainProblem`) per provincial subtree and year.

A problem belongs to the province it was solved in, so the figure exists for the country and the provinces; for a
district it is "—" (no district solves a chain's problem on its own). A province or year with nothing in the
register is "no data", not 0: the register says what was recorded, not that nothing was solved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from reporting.indicators import (
    Aggregation,
    Indicator,
    Level,
    Scope,
    Source,
    Values,
    by_subtree,
    indicator_source,
    pick,
)

from .models import ChainProblem

CHAIN_PROBLEMS_SOLVED = Indicator(
    "chain_problems_solved", _("梳理解决产业链质量管理难题"), "个", Source.CHAIN,
    _("当年登记为已解决的产业链质量管理难题数（按解决所在省份）"), Aggregation.SUM,
    levels=frozenset({Level.COUNTRY, Level.PROVINCE}), short_name=_("产业链难题"))


@indicator_source(CHAIN_PROBLEMS_SOLVED)
def chain_indicators(units: Sequence[Scope], years: Sequence[int], period: bool = False) -> Mapping[str, Values]:
    rows = by_subtree(ChainProblem.objects.all(), path="province__path", year="programme_year_id", units=units,
                      years=years, period=period, solved=Count("pk"))
    return pick(rows, chain_problems_solved="solved")
