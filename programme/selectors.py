from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from .models import CertificationBody, OrgUnit, PilotFiling, PilotRegion

if TYPE_CHECKING:
    from portal.models import User


def unit_list(*, user: User, parent: str | None = None, level: str | None = None, q: str = "") -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.visible_to(user).select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    elif not q and not level:
        # Default view: the top of the user's own scope and its children.
        own = getattr(user, "org_unit", None)
        if own is not None:
            qs = qs.filter(Q(pk=own.pk) | Q(parent=own))
        else:
            qs = qs.filter(level__in=["country", "province"])
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(full_name__contains=q) | Q(code__startswith=q))
    return qs.annotate(children_count=Count("children")).order_by("code")


def cb_list(*, user: User, q: str = "", status: str = "") -> QuerySet[CertificationBody]:
    qs = CertificationBody.objects.visible_to(user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(approval_number__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("approval_number")


# ---- Pilot regions ---------------------------------------------------------------------------------------


def default_year() -> int:
    from django.utils import timezone

    from .models import ProgrammeYear

    today = timezone.localdate().year
    years = list(ProgrammeYear.objects.values_list("year", flat=True))
    return today if today in years or not years else max(years)


def pilot_list(*, user: User, year: int | None = None, q: str = "") -> QuerySet[PilotRegion]:
    """Pilots the user may see, with the year's filing status annotated as ``filing_status``."""
    qs = PilotRegion.objects.visible_to(user).select_related("province").prefetch_related("districts")
    if year is not None:
        qs = qs.active_in(year).annotate(
            filing_status=Subquery(PilotFiling.objects.filter(pilot=OuterRef("pk"), programme_year_id=year)
                                   .values("status")[:1]),
            filing_late=Subquery(PilotFiling.objects.filter(pilot=OuterRef("pk"), programme_year_id=year)
                                 .values("is_late")[:1]),
        )
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(industry__contains=q) | Q(province__name__contains=q))
    return qs.order_by("province__code", "batch", "name")


def pilot_filing_for(*, user: User, pilot: PilotRegion, year: int) -> PilotFiling | None:
    return (PilotFiling.objects.visible_to(user).filter(pilot=pilot, programme_year_id=year)
            .select_related("statistics", "submitted_by", "reviewed_by").first())
