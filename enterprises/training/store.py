"""The training batch's writes: new records inserted and changed ones updated in bulk, each with its audit event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from portal.audit import audit_bulk
from portal.models import AuditAction

from ..models import TrainingRecord

if TYPE_CHECKING:
    from portal.models import User

# What a record holds besides its natural key (programme year, CB, date, topic, district): a record sent again
# with other values here is the CB's correction and updates the stored one.
CONTENT_FIELDS = ("organiser", "delivery", "enterprise_count", "person_count")


def store_records(
    *,
    actor: User,
    source: str,
    created: Sequence[TrainingRecord],
    updated: Sequence[tuple[TrainingRecord, dict[str, Any]]],
) -> None:
    """Insert ``created``, update ``updated`` ((record with its stored pk, audit changes) pairs) and audit both.
    Raises ``IntegrityError`` (nothing written) when a constraint is violated, e.g. by a concurrent insert."""
    with transaction.atomic():
        TrainingRecord.objects.bulk_create(created)
        if updated:
            TrainingRecord.objects.bulk_update(
                [record for record, _changes in updated], [*CONTENT_FIELDS, "source", "updated_at"], batch_size=500
            )
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        model=TrainingRecord,
        entries=(
            (r.pk, str(r), {"topic": r.topic, "held_on": str(r.held_on), "person_count": r.person_count})
            for r in created
        ),
        source=source,
    )
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        model=TrainingRecord,
        entries=((r.pk, str(r), changes) for r, changes in updated),
        source=source,
    )
