"""Reads of the annex-1 evaluation; every one takes the reading ``user`` and goes through ``visible_to``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from portal.roles import Role
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel

from .models import (
    Evaluation,
    ExcellentCase,
    ExpertAssignment,
    ExpertScore,
    IndicatorItem,
    IndicatorScheme,
    Report,
    SelfAssessment,
    TrainingCourse,
    UnitResult,
)

if TYPE_CHECKING:
    from portal.models import User


def evaluation_list(*, user: User, year: int | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.visible_to(user).select_related("evaluator")
    if year:
        qs = qs.filter(programme_year_id=year)
    return qs.order_by("-programme_year_id", "evaluator__code")


def evaluation_results(*, user: User, evaluation: Evaluation) -> QuerySet[UnitResult]:
    return (UnitResult.objects.visible_to(user).filter(evaluation=evaluation).select_related("unit")
            .order_by("rank", "unit__code"))


def can_manage_evaluation(user: User, evaluation: Evaluation) -> bool:
    if user.is_superuser or user.role == Role.HQ:
        return True
    return user.role == Role.PROVINCE and user.org_unit_id == evaluation.evaluator_id


def scheme_items(*, scheme: IndicatorScheme) -> list[IndicatorItem]:
    return list(scheme.items.select_related("area").prefetch_related("indicators").order_by("order"))


def expert_assignments(*, user: User, year: int | None = None) -> QuerySet[ExpertAssignment]:
    qs = ExpertAssignment.objects.visible_to(user).select_related("unit", "evaluation__evaluator", "expert")
    if year:
        qs = qs.filter(evaluation__programme_year_id=year)
    return qs.order_by("-evaluation__programme_year_id", "unit__code")


def expert_scores_for(*, user: User, assignment: ExpertAssignment) -> dict[int, ExpertScore]:
    return {s.item_id: s for s in ExpertScore.objects.visible_to(user).filter(assignment=assignment)}


def self_assessment_list(*, user: User, year: int | None = None, status: str = "") -> QuerySet[SelfAssessment]:
    qs = SelfAssessment.objects.visible_to(user).select_related("unit")
    if year:
        qs = qs.filter(programme_year_id=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-programme_year_id", "unit__code")


@dataclass(frozen=True)
class CourseCoverage:
    participating: list[CertificationBody]
    with_course: list[CertificationBody]
    missing: list[CertificationBody]


def training_course_coverage(*, user: User, year: int, unit: OrgUnit) -> CourseCoverage:
    """Participating CBs (a ledger record that year in the unit's area) and which have no training course."""
    from enterprises.models import LedgerRecord

    cb_ids = set(
        LedgerRecord.objects.visible_to(user)
        .filter(programme_year_id=year, enterprise__district__path__startswith=unit.path)
        .values_list("certification_body_id", flat=True).distinct()
    )
    participating = list(CertificationBody.objects.filter(pk__in=cb_ids).order_by("approval_number"))
    with_course_ids = set(TrainingCourse.objects.filter(programme_year_id=year, certification_body_id__in=cb_ids)
                          .values_list("certification_body_id", flat=True))
    return CourseCoverage(
        participating=participating,
        with_course=[cb for cb in participating if cb.pk in with_course_ids],
        missing=[cb for cb in participating if cb.pk not in with_course_ids],
    )


def report_list(*, user: User, evaluation: Evaluation | None = None, year: int | None = None,
                kind: str = "") -> QuerySet[Report]:
    qs = Report.objects.visible_to(user).select_related("scope_unit")
    if evaluation is not None:
        qs = qs.filter(evaluation=evaluation)
    if year:
        qs = qs.filter(programme_year_id=year)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def districts_without_cases(*, user: User, year: int) -> QuerySet[OrgUnit]:
    """Districts in the user's area that have not yet recommended an excellent case for the year (seed 002:
    各区至少推荐1个典型案例). HQ: every district; province and district staff: their own area; others: none."""
    districts = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True)
    if user.role in (Role.PROVINCE, Role.DISTRICT) and user.org_unit is not None:
        districts = districts.filter(path__startswith=user.org_unit.path)
    elif not (user.role == Role.HQ or user.is_superuser):
        return districts.none()
    recommended = ExcellentCase.objects.filter(district=OuterRef("pk"), programme_year_id=year)
    return districts.exclude(Exists(recommended)).order_by("code")
