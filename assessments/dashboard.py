"""Dashboard panels: experts see their scoring progress; bureaus their self-assessment and results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count
from django.http import HttpRequest

from portal.dashboard import dashboard_panel
from portal.roles import Role

from .models import Evaluation, ExpertAssignment, SelfAssessment, UnitResult

if TYPE_CHECKING:
    from portal.models import User


@dashboard_panel
def expert_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = cast("User", request.user)  # panels run on the signed-in dashboard (portal.views.dashboard)
    if user.role != Role.EXPERT:
        return None
    assignments = (ExpertAssignment.objects.visible_to(user).select_related("unit", "evaluation")
                   .annotate(n_scores=Count("scores")).order_by("-evaluation__programme_year_id", "unit__code")[:20])
    return {"title": "待评分单位", "template": "assessments/_panel_expert.html", "assignments": assignments}


@dashboard_panel
def unit_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = cast("User", request.user)  # panels run on the signed-in dashboard (portal.views.dashboard)
    if user.role not in (Role.PROVINCE, Role.DISTRICT) or user.org_unit is None:
        return None
    own = (SelfAssessment.objects.visible_to(user).filter(unit_id=user.org_unit_id)
           .order_by("-programme_year_id").first())
    results = (UnitResult.objects.visible_to(user).filter(unit_id=user.org_unit_id)
               .select_related("evaluation").order_by("-evaluation__programme_year_id")[:3])
    return {"title": "工作成效评估", "template": "assessments/_panel_unit.html", "own": own, "results": results}


@dashboard_panel
def evaluator_panel(request: HttpRequest) -> dict[str, Any] | None:
    """HQ and provinces: their evaluations, scoring progress and the top of the latest ranking."""
    user = cast("User", request.user)  # panels run on the signed-in dashboard (portal.views.dashboard)
    if not (user.is_superuser or user.role in (Role.HQ, Role.PROVINCE)) or user.org_unit is None:
        return None
    evaluations = (Evaluation.objects.visible_to(user).filter(evaluator=user.org_unit)
                   .annotate(n_assignments=Count("assignments", distinct=True))
                   .order_by("-programme_year_id")[:3])
    return {"title": "工作成效评估", "template": "assessments/_panel_evaluator.html", "evaluations": evaluations}
