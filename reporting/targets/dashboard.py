"""The targets card on the HQ, provincial and district dashboards: the nation's progress towards the plan's targets
(figures cached like every national figure), linking to the targets page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import dashboard_panel
from portal.roles import Role
from programme.models import COUNTRY_CODE, OrgUnit

from .models import Target
from .progress import progress_rows

ROLES = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})


@dashboard_panel(order=60)
def targets_panel(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    if not getattr(user, "is_authenticated", False) or user.role not in ROLES:
        return None
    national = list(Target.objects.visible_to(user).national().order_by("pk"))
    country = OrgUnit.objects.filter(code=COUNTRY_CODE).first()
    if not national or country is None:
        return None
    rows = progress_rows(national, [], country=country, province=None, today=timezone.localdate())
    periods = sorted({(t.first_year, t.last_year) for t in national})
    return {"template": "reporting/targets/_panel.html", "title": _("三年行动目标进度"), "rows": rows,
            "periods": periods}
