from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ..intake.common import year_id
from ..models import LedgerRecord, LedgerUpload

if TYPE_CHECKING:
    from portal.models import User


def ledger_list(
    *,
    user: User,
    year: int | str | None = None,
    q: str = "",
    district: str = "",
    cb: str = "",
    certified: str = "",
    dimension: str = "",
    mode: str = "",
    updated_since: dt.datetime | None = None,
) -> QuerySet[LedgerRecord]:
    """Ledger records the user may see (a CB its own; unit staff their area, any CB; HQ all), filtered."""
    qs = LedgerRecord.objects.visible_to(user).select_related("enterprise__district", "certification_body")
    if year:
        qs = qs.filter(programme_year_id=year_id(year))
    if q:
        qs = qs.filter(
            Q(reported_name__contains=q)
            | Q(enterprise__name__contains=q)
            | Q(enterprise__uscc__startswith=q.strip().upper())
        )
    if district:
        qs = qs.filter(enterprise__district__path__contains=f"{district.strip()}/")
    if cb:
        qs = qs.filter(certification_body__approval_number=cb.strip().upper())
    if certified in {"1", "0"}:
        qs = qs.filter(certified=certified == "1")
    if dimension:
        qs = qs.filter(dimensions__contains=dimension)
    if mode:
        qs = qs.filter(modes__contains=mode)
    if updated_since:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("-programme_year_id", "enterprise__uscc", "certification_body_id")


class LedgerPages:
    """A ledger list over several programme years for the paginator, its pages cut one year at a time.

    The list is ordered by year (newest first), then USCC and CB. Across years the database has to sort
    every matching record to find one page; within one year it walks the enterprises in USCC order and
    stops at the page. A page is therefore taken from each year it spans, in turn (a year's size is
    counted only when a page starts beyond it): the same records in the same order as slicing
    ``queryset``, and ``count()`` is the queryset's count."""

    ordered = True  # for the paginator's check: ``ledger_list`` orders the queryset
    # Year by year pays off for the first pages of a long list. A short list is sorted at once, and so is a
    # page deep into a long one (walking far down each year costs more than one sort).
    SORT_BELOW = 5000
    WALK_UP_TO = 20000

    def __init__(self, queryset: QuerySet[LedgerRecord], count: int | None = None) -> None:
        self.queryset = queryset
        self._count: int | None = count  # when the caller knows it

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[LedgerRecord]:
        if not isinstance(key, slice) or key.step is not None or key.stop is None:
            raise TypeError("LedgerPages supports bounded slices only")
        from programme.models import ProgrammeYear

        start, stop = key.start or 0, key.stop
        if self.count() < self.SORT_BELOW or start > self.WALK_UP_TO:
            return list(self.queryset[start:stop])
        page: list[LedgerRecord] = []
        before = 0  # records in the years already passed
        for year in ProgrammeYear.objects.order_by("-year").values_list("year", flat=True):
            low, high = max(start - before, 0), stop - before
            if high <= 0:
                break
            rows = list(self.queryset.filter(programme_year_id=year)[low:high])
            page.extend(rows)
            if len(rows) == high - low:
                break
            # The year ran out before the page was full: it holds low + len(rows) records, unless the page
            # starts beyond its end.
            before += low + len(rows) if rows or not low else self.queryset.filter(programme_year_id=year).count()
        return page


def upload_list(*, user: User) -> QuerySet[LedgerUpload]:
    return LedgerUpload.objects.visible_to(user).select_related("uploaded_by", "certification_body")
