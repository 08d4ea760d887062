from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit import audit_history
from portal.http import AuthenticatedHttpRequest
from portal.listing import paginate
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.user_messages import user_message

from ..models import (
    DiscrepancyStatus,
    Enterprise,
    EnterpriseDiscrepancy,
    Industry,
    SizeClass,
)
from .forms import SettleForm
from .selectors import discrepancy_list, enterprise_list
from .services import discrepancy_settle


@login_required
def enterprise_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = request.GET
    qs = enterprise_list(
        user=request.user,
        district=params.get("district", "").strip(),
        q=params.get("q", "").strip(),
        size_class=params.get("size_class", ""),
        industry=params.get("industry", ""),
    )
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            **paginate(request, qs),
            "params": params,
            "size_classes": SizeClass.choices,
            "industries": Industry.choices,
        },
    )


@login_required
def enterprise_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = get_visible_or_404(Enterprise.objects.select_related("district"), request.user, pk=pk)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "history": audit_history(obj=enterprise)[:50] if request.user.is_unit_staff else [],  # type: ignore[union-attr]
        },
    )


# ---- discrepancies -------------------------------------------------------------------------------
@login_required
def discrepancy_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT} and not user.is_superuser:  # type: ignore[union-attr,operator]
        raise Http404
    status = request.GET.get("status", DiscrepancyStatus.OPEN)
    qs = discrepancy_list(user=user, status=status if status in DiscrepancyStatus.values else "")
    return render(
        request,
        "enterprises/discrepancy_list.html",
        {
            **paginate(request, qs),
            "status": status,
            "statuses": DiscrepancyStatus.choices,
            "can_settle": user.role in {Role.PROVINCE, Role.DISTRICT},  # type: ignore[union-attr,operator]
            "form": SettleForm(),
        },
    )


@login_required
@require_POST
def discrepancy_settle_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(EnterpriseDiscrepancy.objects.all(), request.user, pk=pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理方式。"))
    else:
        try:
            discrepancy_settle(
                actor=request.user,
                discrepancy=item,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, user_message(exc))
        else:
            messages.success(request, _("已处理。"))
    return redirect("enterprises:discrepancy_list")
