from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from portal.http import AuthenticatedHttpRequest
from portal.listing import paginate
from portal.scoping import get_visible_or_404

from .dashboard import unit_figures_for
from .models import CertificationBody, CertificationBodyStatus, OrgUnit, OrgUnitLevel
from .selectors import cb_list, unit_list


@login_required
def unit_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = request.GET
    qs = unit_list(user=request.user, parent=params.get("parent"), level=params.get("level"),
                   q=params.get("q", "").strip())
    return render(request, "programme/unit_list.html",
                  {**paginate(request, qs), "levels": OrgUnitLevel.choices, "params": params})


@login_required
def unit_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    unit = get_visible_or_404(OrgUnit.objects.select_related("parent"), request.user, code=code)
    children = OrgUnit.objects.visible_to(request.user).filter(parent=unit).order_by("code")
    return render(request, "programme/unit_detail.html", {
        "unit": unit,
        "children": children,
        "ancestors": OrgUnit.objects.visible_to(request.user).filter(pk__in=unit.ancestor_ids()).exclude(pk=unit.pk)
        .order_by("path"),
        # Other apps' figures about the unit, e.g. enterprise_count (enterprises.dashboard).
        **unit_figures_for(request.user, unit),
    })


@login_required
def cb_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = request.GET
    qs = cb_list(user=request.user, q=params.get("q", "").strip(), status=params.get("status", ""))
    return render(request, "programme/cb_list.html",
                  {**paginate(request, qs), "statuses": CertificationBodyStatus.choices, "params": params})


@login_required
def cb_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cb = get_visible_or_404(CertificationBody.objects.all(), request.user, pk=pk)
    return render(request, "programme/cb_detail.html", {"cb": cb})
