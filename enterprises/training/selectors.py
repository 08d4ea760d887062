from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ..intake.common import year_id
from ..models import TrainingRecord

if TYPE_CHECKING:
    from portal.models import User


def training_list(
    *, user: User, year: int | str | None = None, district: str = "", q: str = ""
) -> QuerySet[TrainingRecord]:
    qs = TrainingRecord.objects.visible_to(user).select_related("district", "certification_body")
    if year:
        qs = qs.filter(programme_year_id=year_id(year))
    if district:
        qs = qs.filter(district__path__contains=f"{district.strip()}/")
    if q:
        qs = qs.filter(topic__contains=q)
    return qs.order_by("-held_on", "pk")
