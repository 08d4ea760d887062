"""NBS 2017 enterprise size classification, driven by the ``SizeThreshold`` table."""

from __future__ import annotations

from decimal import Decimal

from ..models import SizeClass, SizeThreshold

_ORDER = (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)


def load_thresholds() -> dict[str, dict[str, SizeThreshold]]:
    table: dict[str, dict[str, SizeThreshold]] = {}
    for row in SizeThreshold.objects.all():
        table.setdefault(row.industry, {})[row.size_class] = row
    return table


def classify(
    *,
    industry: str,
    employees: int | None,
    revenue: Decimal | None,
    assets: Decimal | None = None,
    table: dict[str, dict[str, SizeThreshold]] | None = None,
) -> str:
    """Return the size class. Unknown when a figure the industry's rule needs is missing."""
    rows = (table if table is not None else load_thresholds()).get(industry)
    if not rows:
        return SizeClass.UNKNOWN
    for size in _ORDER:
        row = rows.get(size)
        if row is None:
            continue
        needs = (
            (row.min_employees, employees),
            (row.min_revenue, revenue),
            (row.min_assets, assets),
        )
        if any(bound is not None and value is not None and value < bound for bound, value in needs):
            continue  # below one lower bound of this size: one class down
        if any(bound is not None and value is None for bound, value in needs):
            return SizeClass.UNKNOWN
        return size
    return SizeClass.MICRO
