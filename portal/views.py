from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .dashboard import dashboard_counts, panels_for
from .health import PARTS as HEALTH_PARTS
from .health import health_report
from .http import AuthenticatedHttpRequest
from .listing import paginate
from .models import Notification
from .notifications import notification_mark_read
from .roles import Role
from .services import role_of

DASHBOARD_TEMPLATES: dict[str, str] = {
    Role.HQ: "portal/dashboard_hq.html",
    Role.PROVINCE: "portal/dashboard_unit.html",
    Role.DISTRICT: "portal/dashboard_unit.html",
    Role.EXPERT: "portal/dashboard_expert.html",
    Role.CB: "portal/dashboard_cb.html",
    Role.ENTERPRISE: "portal/dashboard_enterprise.html",
}


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    role = role_of(user)
    template = DASHBOARD_TEMPLATES.get(role)
    if template is None:
        # An account without a role (e.g. half-configured in the admin) sees nothing but this notice.
        return render(request, "portal/no_role.html", status=403)
    # Everything below comes from the feature apps' panels (portal.dashboard): the calendar card, the count
    # tiles (each app's figures, cached per scope) and the cards further down.
    counts = dashboard_counts(request)
    context: dict[str, Any] = {
        "role": role,
        "calendar_panels": panels_for(request, "calendar"),
        "count_tiles": counts.tiles,
        "counts": counts.values,
        "counts_as_of": counts.as_of,
        "dashboard_panels": panels_for(request),
    }
    return render(request, template, context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Public (the container health check calls it): one status per part, 503 when one is not healthy."""
    # ?part=database&part=cache asks for some parts only (the web container's own check: a stopped worker is
    # the worker's health, not a reason to take the site out of a load balancer's rotation).
    asked = request.GET.getlist("part")
    unknown = sorted(set(asked) - set(HEALTH_PARTS))
    if unknown:
        return JsonResponse({"status": "down", "error": f"unknown part: {', '.join(unknown)}"}, status=400)
    report = health_report(asked or HEALTH_PARTS)
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = Notification.objects.visible_to(request.user)
    return render(request, "portal/notification_list.html", paginate(request, qs, per_page=30))


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notification_mark_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    return redirect("notification_list")
