from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditAction
from portal.roles import Role
from programme.models import OrgUnit

from ..models import (
    DiscrepancyField,
    DiscrepancyStatus,
    Enterprise,
    EnterpriseDiscrepancy,
    LedgerRecord,
)
from .sizing import classify

if TYPE_CHECKING:
    from portal.models import User


def discrepancy_settle(*, actor: User, discrepancy: EnterpriseDiscrepancy, accept: bool, note: str = "") -> None:
    """District (or province) staff settle a reported difference: take the reported value into the registry,
    or keep the registry's."""
    if getattr(actor, "role", None) not in {Role.DISTRICT, Role.PROVINCE} or actor.org_unit is None:
        raise PermissionDenied(_("只有企业所在地的区县局或省局可以处理企业信息差异。"))
    with transaction.atomic():
        item = (
            EnterpriseDiscrepancy.objects.select_for_update()
            .select_related("enterprise__district")
            .get(pk=discrepancy.pk)
        )
        enterprise = item.enterprise
        if not enterprise.district.is_within(actor.org_unit):
            raise PermissionDenied(_("该企业不在本单位辖区内。"))
        if item.status != DiscrepancyStatus.OPEN:
            raise ValidationError(_("该差异已处理。"))
        changes: dict[str, Any] = {}
        if accept:
            changes = _apply_reported(enterprise, item)
        item.status = DiscrepancyStatus.ACCEPTED if accept else DiscrepancyStatus.REJECTED
        item.settled_by, item.settled_at, item.note = actor, timezone.now(), note.strip()[:255]
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=item,
            source="web",
            changes={"status": item.status, "note": item.note},
        )
        if changes:
            audit_record(
                actor=actor, action=AuditAction.UPDATE, obj=enterprise, source=f"discrepancy:{item.pk}", changes=changes
            )
        # Other open reports of the same field with the same value are settled with it.
        EnterpriseDiscrepancy.objects.filter(
            enterprise=enterprise, field=item.field, status=DiscrepancyStatus.OPEN
        ).exclude(pk=item.pk).filter(reported_value=item.reported_value).update(
            status=item.status, settled_by=actor, settled_at=item.settled_at, note=item.note
        )


def _apply_reported(enterprise: Enterprise, item: EnterpriseDiscrepancy) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if item.field == DiscrepancyField.NAME:
        changes["name"] = [enterprise.name, item.reported_value]
        enterprise.name = item.reported_value
    elif item.field == DiscrepancyField.DISTRICT:
        district = OrgUnit.objects.get(code=item.reported_value)
        changes["district"] = [enterprise.district.code, district.code]
        enterprise.district = district
    else:
        record = (
            LedgerRecord.objects.filter(enterprise=enterprise, certification_body=item.reported_by)
            .order_by("-programme_year_id")
            .first()
        )
        if record is not None:
            enterprise.industry = record.reported_industry
            enterprise.employees = record.reported_employees
            enterprise.revenue = record.reported_revenue
        size = classify(
            industry=enterprise.industry,
            employees=enterprise.employees,
            revenue=enterprise.revenue,
            assets=enterprise.assets,
        )
        changes["size_class"] = [enterprise.size_class, size]
        enterprise.size_class = size
    enterprise.full_clean(validate_unique=False)
    enterprise.save()
    return changes
