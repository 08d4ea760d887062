from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ..models import Enterprise, EnterpriseDiscrepancy

if TYPE_CHECKING:
    from portal.models import User


def enterprise_list(
    *, user: User, district: str = "", q: str = "", size_class: str = "", industry: str = ""
) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.visible_to(user).select_related("district")
    if district:
        qs = qs.filter(district__path__contains=f"{district}/")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if size_class:
        qs = qs.filter(size_class=size_class)
    if industry:
        qs = qs.filter(industry=industry)
    return qs.order_by("uscc")


def discrepancy_list(*, user: User, status: str = "open") -> QuerySet[EnterpriseDiscrepancy]:
    qs = EnterpriseDiscrepancy.objects.visible_to(user).select_related(
        "enterprise__district", "reported_by", "settled_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs
