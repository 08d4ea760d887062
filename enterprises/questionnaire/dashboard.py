"""The questionnaire's panel on each role's dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest

from portal.dashboard import dashboard_panel
from portal.roles import Role

from . import selectors, services

if TYPE_CHECKING:
    from portal.models import User


@dashboard_panel
def questionnaire_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = cast("User", request.user)
    version = selectors.latest_version()
    if version is None:
        return None
    role = Role.HQ if user.is_superuser and not user.role else user.role
    context: dict[str, Any] = {"title": "调查问卷", "template": "questionnaire/_panel.html", "version": version,
                               "role": role}
    if role == Role.ENTERPRISE and user.enterprise is not None:
        response = selectors.response_for_enterprise(user=user, year=version.year)
        context["response"] = response
        context["state"] = services.response_edit_state(version=version, enterprise=user.enterprise,
                                                        response=response)
        context["reminders"] = list(selectors.reminders_for(user=user, year=version.year)[:3])
        return context
    if role in {Role.HQ, Role.PROVINCE, Role.DISTRICT}:
        own, _children = selectors.aggregate_units_for(user=user)
        if own is None:
            return None
        timed = selectors.response_counts_figures(year=version.year, unit=own)
        context["figures"], context["figures_as_of"] = timed.value, timed.as_of
        return context
    if role == Role.CB:
        return context
    return None
