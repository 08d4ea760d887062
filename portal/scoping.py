"""Tenant scoping in one place.

Every tenant-owned model's manager is built from :class:`ScopedQuerySet` and answers
``Model.objects.visible_to(user)``. Views, the API, the admin, exports and tasks all read through it, and
``get_visible_or_404`` turns "not yours" into the same 404 as "not found".

The policy: HQ (and superusers) see everything; a province or district user sees their own unit and
everything below it; a certification body sees only its own rows; an enterprise only itself; an expert
only what they are assigned. A user without a role sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.http import Http404

from .roles import Role

if TYPE_CHECKING:
    from .models import User

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    """Subclasses override the ``for_<role>`` hooks; anything not overridden sees nothing."""

    def visible_to(self, user: Any) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.HQ:
            return self.all()
        hook = {
            Role.PROVINCE: self.for_unit_staff,
            Role.DISTRICT: self.for_unit_staff,
            Role.EXPERT: self.for_expert,
            Role.CB: self.for_certification_body,
            Role.ENTERPRISE: self.for_enterprise,
        }.get(user.role)
        return hook(user) if hook is not None else self.none()

    def for_unit_staff(self, user: User) -> Self:
        return self.none()

    def for_expert(self, user: User) -> Self:
        return self.none()

    def for_certification_body(self, user: User) -> Self:
        return self.none()

    def for_enterprise(self, user: User) -> Self:
        return self.none()


def get_visible_or_404(queryset: models.QuerySet[M], user: Any, **lookup: Any) -> M:
    """Fetch one object through the scoping policy; "not yours" and "not found" are the same 404."""
    visible = queryset.visible_to(user)  # type: ignore[attr-defined]
    try:
        return visible.get(**lookup)
    except (visible.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
