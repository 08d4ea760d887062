"""Typing for views behind ``login_required``: their ``request.user`` is a signed-in :class:`portal.models.User`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from portal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` whose user is signed in (the views that take it are all behind ``login_required``)."""

    user: User  # type: ignore[assignment]
