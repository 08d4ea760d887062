"""The one place the evaluation reads the questionnaire.

The questionnaire app's public interface (``enterprises.questionnaire.selectors``) is
``aggregates_by_unit(*, year, units) -> dict[unit_code, Aggregates]``;
``Aggregates`` carries ``result_indicators`` (operating, quality, qm_level, credit_brand, digital,
lasting — 0–100 figures), ``satisfaction_rates``, ``response_rate``, ``metric_changes``,
``effect_obvious_rate``, ``effect_very_obvious_rate``, ``maturity_rose_rate`` and ``burden_rate``.
The scoring works on :class:`assessments.scoring.UnitFigures`; :func:`unit_figures` converts. The import
is lazy so the evaluation keeps working (with "no questionnaire data" notes) where the questionnaire is
not installed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from .scoring import UnitFigures

logger = logging.getLogger(__name__)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def mean_or_none(values: Iterable[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def unit_figures(aggregates: Any) -> UnitFigures:
    """Turn one unit's questionnaire aggregates into the figures the scoring uses."""
    results = dict(_get(aggregates, "result_indicators", {}) or {})
    rates = _get(aggregates, "satisfaction_rates", {}) or {}
    return UnitFigures(result_indicators=results, satisfaction=mean_or_none(rates.values()))


def _selectors() -> Any | None:
    try:
        from enterprises.questionnaire import selectors
    except ImportError:
        return None
    return selectors


def questionnaire_available() -> bool:
    selectors = _selectors()
    return selectors is not None and hasattr(selectors, "aggregates_by_unit")


def figures_by_unit(*, year: int, units: list[Any]) -> dict[str, UnitFigures]:
    selectors = _selectors()
    if selectors is None or not hasattr(selectors, "aggregates_by_unit"):
        return {}
    try:
        aggregates = selectors.aggregates_by_unit(year=year, units=units)
    except Exception:  # the evaluation must still compute when the questionnaire fails: log and go on
        logger.exception("questionnaire aggregates failed for %s", year)
        return {}
    return {code: unit_figures(agg) for code, agg in aggregates.items()}
