from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from enterprises.models import Enterprise
from portal.listing import paginate
from portal.scoping import get_visible_or_404

from .models import CertificationBody, CertificationBodyStatus, OrgUnit, OrgUnitLevel
from .selectors import cb_list, unit_list


@login_required
def unit_list_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    qs = unit_list(user=request.user, parent=params.get("parent"), level=params.get("level"),
                   q=params.get("q", "").strip())
    return render(request, "programme/unit_list.html",
                  {**paginate(request, qs), "levels": OrgUnitLevel.choices, "params": params})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_visible_or_404(OrgUnit.objects.select_related("parent"), request.user, code=code)
    children = OrgUnit.objects.visible_to(request.user).filter(parent=unit).order_by("code")
    enterprises = Enterprise.objects.visible_to(request.user).filter(district__path__startswith=unit.path)
    return render(request, "programme/unit_detail.html", {
        "unit": unit,
        "children": children,
        "enterprise_count": enterprises.count(),
        "ancestors": OrgUnit.objects.visible_to(request.user).filter(pk__in=unit.ancestor_ids()).exclude(pk=unit.pk)
        .order_by("path"),
    })


@login_required
def cb_list_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    qs = cb_list(user=request.user, q=params.get("q", "").strip(), status=params.get("status", ""))
    return render(request, "programme/cb_list.html",
                  {**paginate(request, qs), "statuses": CertificationBodyStatus.choices, "params": params})


@login_required
def cb_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cb = get_visible_or_404(CertificationBody.objects.all(), request.user, pk=pk)
    return render(request, "programme/cb_detail.html", {"cb": cb})
