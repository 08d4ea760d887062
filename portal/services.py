"""Account writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from .audit import audit_record
from .models import AuditAction, User
from .roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from portal.models import User


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    org_unit: Any = None,
    certification_body: Any = None,
    enterprise: Any = None,
    full_name: str = "",
    email: str = "",
    check_password: bool = True,
    source: str = "web",
) -> User:
    """Create an account in one organisation with one role. Staff of HQ, provinces and districts get the
    (scoped) admin; everybody else only the portal."""
    user = User(
        username=username,
        role=role,
        org_unit=org_unit,
        certification_body=certification_body,
        enterprise=enterprise,
        first_name=full_name,
        email=email,
        is_staff=role in STAFF_ROLES,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=user, source=source,
                 changes={"role": role, "organisation": user.organisation_name})
    return user


def role_of(user: User) -> str:
    """The effective role: a superuser without a role acts as HQ."""
    if user.is_superuser and not user.role:
        return str(Role.HQ)
    return str(user.role)
