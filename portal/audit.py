"""The audit trail: every write records who, when, what and through which channel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from .models import AuditEvent

if TYPE_CHECKING:
    from portal.models import User


def _object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def audit_record(
    *, actor: User | None, action: str, obj: models.Model, source: str = "web", changes: dict[str, Any] | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=_object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        source=source,
        changes=changes or {},
    )


def audit_bulk(
    *,
    actor: User | None,
    action: str,
    model: type[models.Model],
    entries: Iterable[tuple[Any, str, dict[str, Any]]],
    source: str,
    batch_size: int = 2000,
) -> int:
    """Record many changes at once: ``entries`` are (pk, repr, changes) triples."""
    actor_id = actor.pk if actor is not None and actor.pk else None
    rows = [
        AuditEvent(
            actor_id=actor_id,
            action=action,
            object_type=_object_type(model),
            object_id=str(pk),
            object_repr=str(text)[:200],
            source=source,
            changes=changes,
        )
        for pk, text, changes in entries
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def audit_history(*, obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=_object_type(obj), object_id=str(obj.pk)).select_related("actor")
