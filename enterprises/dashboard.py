"""The CB dashboard panel: this year's ledger at a glance and the latest uploads."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import dashboard_panel
from portal.roles import Role

from .models import LedgerRecord, LedgerUpload, TrainingRecord


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
