"""The enterprises app on the dashboards: the enterprise and ledger count tiles of every bureau and CB, the CB's
panel (this year's ledger at a glance and the latest uploads) and the enterprise count of the unit page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import Tile, dashboard_panel
from portal.figures import cached_figures, recompute, refreshable, scope_of, wide_scope
from portal.roles import Role
from portal.services import role_of
from programme.dashboard import COUNT_ROLES, cb_counted_by_ledger, unit_figures
from programme.models import OrgUnit

from .models import Enterprise, LedgerRecord, LedgerUpload, TrainingRecord

if TYPE_CHECKING:
    from portal.models import User


def ledger_counts(*, user: User) -> dict[str, int]:
    records = LedgerRecord.objects.visible_to(user)
    counts = {"enterprises": Enterprise.objects.visible_to(user).count(), "ledger_records": records.count()}
    if cb_counted_by_ledger(user):
        # CBs active in the area: those with ledger records for its enterprises.
        counts["certification_bodies"] = records.values("certification_body").distinct().count()
    return counts


@refreshable
def _ledger_counts_of(user_id: int) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    return ledger_counts(user=get_user_model().objects.get(pk=user_id))


@dashboard_panel(slot="counts", order=20)
def ledger_counts_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The enterprises and ledger records in the user's scope (after programme's unit and CB tiles)."""
    user = cast("User", request.user)
    role = role_of(user)
    if role not in COUNT_ROLES:
        return None
    # Kept for a minute for HQ and provincial users (national and provincial counts scan the whole ledger), live
    # for the others; the role is part of the key as the counts branch on it.
    figures = cached_figures("dashboard:enterprises", scope_of(user), user.role,
                             compute=recompute(_ledger_counts_of, user.pk), live=not wide_scope(user))
    counts = figures.value
    tiles = []
    if "certification_bodies" in counts:
        tiles.append(Tile("certification_bodies", counts["certification_bodies"], _("参与帮扶的认证机构"), key="cbs"))
    tiles += [
        Tile("enterprises", counts["enterprises"], _("帮扶企业") if role == Role.CB else _("企业")),
        Tile("ledger_records", counts["ledger_records"], _("帮扶台账记录"), key="ledger"),
    ]
    return {"tiles": tiles, "as_of": figures.as_of}


@unit_figures
def unit_enterprise_count(user: User, unit: OrgUnit) -> dict[str, Any]:
    """The unit page's "辖区企业": the enterprises in the unit's subtree that the user may see."""
    enterprises = Enterprise.objects.visible_to(user).filter(district__path__startswith=unit.path)
    return {"enterprise_count": enterprises.count()}


@dashboard_panel
def ledger_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if getattr(user, "role", None) != Role.CB:
        return None
    year = timezone.localdate().year
    records = LedgerRecord.objects.visible_to(user)
    return {
        "title": _("帮扶台账"),
        "template": "enterprises/_dashboard_panel.html",
        "year": year,
        "ledger_this_year": records.filter(programme_year_id=year).count(),
        "ledger_total": records.count(),
        "training_total": TrainingRecord.objects.visible_to(user).count(),
        "uploads": list(LedgerUpload.objects.visible_to(user).order_by("-created_at")[:5]),
    }
