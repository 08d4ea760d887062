"""Writes of the targets room: targets (HQ the national ones, a province its own) and the chain-problem register
(HQ for any province, a province for itself). Each write validates, runs in one transaction and is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.figures import figures_changed
from portal.models import AuditAction
from portal.roles import Role
from programme.models import COUNTRY_CODE, OrgUnit

from .models import ChainProblem, Target
from .progress import CACHE_TOPIC

if TYPE_CHECKING:
    from portal.models import User


def target_unit_for(actor: User) -> OrgUnit:
    """The unit whose targets ``actor`` sets: the country for HQ, the province for a provincial bureau."""
    if actor.is_superuser or actor.role == Role.HQ:
        return OrgUnit.objects.get(code=COUNTRY_CODE)
    if actor.role == Role.PROVINCE and actor.org_unit is not None:
        return actor.org_unit
    raise PermissionDenied(_("只有总局和省局可以设定目标。"))


def _changes(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {f: (str(getattr(obj, f)) if isinstance(getattr(obj, f), Decimal | dt.date) else getattr(obj, f))
            for f in fields}


TARGET_FIELDS = ["indicator", "first_year", "last_year", "value", "counting", "note"]


def target_save(*, actor: User, indicator: str, first_year: int, last_year: int, value: Decimal, counting: str,
                note: str = "", target: Target | None = None, source: str = "web") -> Target:
    """Create a target for the actor's own unit, or change ``target`` (which must be the actor's own)."""
    unit = target_unit_for(actor)
    if target is not None and target.org_unit_id != unit.pk:
        raise PermissionDenied(_("只能修改本单位的目标。"))
    created = target is None
    obj = target if target is not None else Target(org_unit=unit)
    before = {} if created else _changes(obj, TARGET_FIELDS)
    obj.indicator, obj.first_year, obj.last_year = indicator, first_year, last_year
    obj.value, obj.counting, obj.note = value, counting, (note or "").strip()
    obj.updated_by, obj.from_plan = actor, False
    obj.full_clean(validate_unique=False, validate_constraints=False)  # both checked here, by name
    duplicate = Target.objects.filter(indicator=indicator, org_unit=unit).exclude(pk=obj.pk).exists()
    if duplicate:
        raise ValidationError({"indicator": _("本单位已设定该指标的目标，请修改已有的目标。")})
    try:
        with transaction.atomic():
            obj.save()
            after = _changes(obj, TARGET_FIELDS)
            audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=obj,
                         source=source, changes=after if created else {
                             k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    except IntegrityError as exc:
        raise ValidationError({"indicator": _("本单位已设定该指标的目标，请修改已有的目标。")}) from exc
    return obj


def target_delete(*, actor: User, target: Target, source: str = "web") -> None:
    unit = target_unit_for(actor)
    if target.org_unit_id != unit.pk:
        raise PermissionDenied(_("只能删除本单位的目标。"))
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, obj=target, source=source,
                     changes=_changes(target, TARGET_FIELDS))
        target.delete()


CHAIN_FIELDS = ["programme_year_id", "province_id", "industry_chain", "title", "measures", "solved_on"]


def _check_chain_province(actor: User, province: Any) -> None:
    if actor.is_superuser or actor.role == Role.HQ:
        return
    if actor.role == Role.PROVINCE and actor.org_unit_id == getattr(province, "pk", None):
        return
    raise PermissionDenied(_("只有总局和本省省局可以登记产业链质量管理难题。"))


def chain_problem_save(*, actor: User, province: Any, year: int, industry_chain: str, title: str, measures: str,
                       solved_on: dt.date, problem: ChainProblem | None = None, source: str = "web") -> ChainProblem:
    """Record (or correct) one industry-chain quality management problem solved in ``province``."""
    _check_chain_province(actor, province)
    if problem is not None:
        _check_chain_province(actor, problem.province)
    if solved_on > timezone.localdate():
        raise ValidationError({"solved_on": _("解决日期不能晚于今天。")})
    created = problem is None
    obj = problem if problem is not None else ChainProblem(recorded_by=actor)
    before = {} if created else _changes(obj, CHAIN_FIELDS)
    obj.province, obj.programme_year_id = province, year
    obj.industry_chain, obj.title = industry_chain.strip(), title.strip()
    obj.measures, obj.solved_on = measures.strip(), solved_on
    obj.full_clean(validate_unique=False, validate_constraints=False)  # both checked here, by name
    if ChainProblem.objects.filter(programme_year_id=year, province=province, title=obj.title) \
            .exclude(pk=obj.pk).exists():
        raise ValidationError({"title": _("该省本年度已登记同名难题。")})
    with transaction.atomic():
        obj.save()
        after = _changes(obj, CHAIN_FIELDS)
        audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=obj,
                     source=source, changes=after if created else {
                         k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
        transaction.on_commit(lambda: figures_changed(CACHE_TOPIC))
    return obj


def chain_problem_delete(*, actor: User, problem: ChainProblem, source: str = "web") -> None:
    _check_chain_province(actor, problem.province)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, obj=problem, source=source,
                     changes=_changes(problem, CHAIN_FIELDS))
        problem.delete()
        transaction.on_commit(lambda: figures_changed(CACHE_TOPIC))
