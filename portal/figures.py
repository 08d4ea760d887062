"""A short-lived cache for the scope-wide figures of dashboards and statistics pages.

National and provincial counts read hundreds of thousands of rows (tens to hundreds of milliseconds each)
and every user of the same scope asks for the same figures within seconds. They are computed once and kept
for ``FIGURES_CACHE_SECONDS`` (60 s by default) in the Django cache (Redis in production); pages show the
time the figures were computed ("统计时间 HH:MM"), so a cached figure is never passed off as live.

A key holds everything the figure depends on: its name, the year and the scope. Figures that depend on the
user's tenant scope are keyed by :func:`scope_of` (the inputs of the scoping policy), so a figure computed
for one province is never shown to another. A *topic* (e.g. one year's questionnaire) can be dropped at
once: its generation number is part of its keys and :func:`figures_changed` moves it on, which makes every
older entry unreachable (they expire on their own).

Only large scopes are worth caching; a district's or a CB's figures are cheap and computed live
(``live=True``), with the same "as of" time so the pages look the same.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .roles import Role

if TYPE_CHECKING:
    from portal.models import User

T = TypeVar("T")
logger = logging.getLogger(__name__)

PREFIX = "figures:v1"
REFRESH_AFTER = 0.75  # of FIGURES_CACHE_SECONDS: from then on, one request refreshes the figures
REFRESH_CLAIM_SECONDS = 10


@dataclass(frozen=True)
class Figures(Generic[T]):
    value: T
    as_of: datetime  # when the figures were computed


def scope_of(user: User) -> str:
    """What the tenant policy (``visible_to``) decides a user's rows by: users with the same scope see the
    same rows, users with different scopes never share a cached figure."""
    if user.is_superuser or user.role == Role.HQ:
        return "all"
    if user.role in (Role.PROVINCE, Role.DISTRICT):
        return f"{user.role}:{user.org_unit_id}"
    if user.role == Role.CB:
        return f"cb:{user.certification_body_id}"
    if user.role == Role.ENTERPRISE:
        return f"enterprise:{user.enterprise_id}"
    return f"user:{user.pk}"  # experts and accounts without a role: their own rows only


def wide_scope(user: User) -> bool:
    """HQ (and superusers) and provincial bureaus: scopes whose figures are worth keeping for a minute."""
    return bool(user.is_superuser or user.role in (Role.HQ, Role.PROVINCE))


def _generation_key(topic: str) -> str:
    return f"{PREFIX}:gen:{topic}"


def cached_figures(topic: str, *parts: Any, compute: Callable[[], T], live: bool = False) -> Figures[T]:
    """The figures ``compute()`` returns, from the cache when computed less than FIGURES_CACHE_SECONDS ago
    for the same topic and key parts. A cache failure costs the computation, never the page."""
    seconds = int(getattr(settings, "FIGURES_CACHE_SECONDS", 60))
    if live or seconds <= 0:
        return Figures(compute(), timezone.now())
    try:
        generation = cache.get(_generation_key(topic), 0)
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
        key = f"{PREFIX}:{topic}:{generation}:{digest}"
        hit = cache.get(key)
    except Exception:  # the cache is an optimisation: without it, compute
        logger.warning("figures cache unavailable", exc_info=True)
        return Figures(compute(), timezone.now())
    # In the last quarter of their minute, one request (the one that takes the refresh mark) computes the
    # figures afresh while the others keep the cached ones: no crowd of identical national queries when
    # they expire, and still never older than FIGURES_CACHE_SECONDS.
    if isinstance(hit, Figures) and (
        (timezone.now() - hit.as_of).total_seconds() < seconds * REFRESH_AFTER or not _claim_refresh(key)
    ):
        return hit
    figures = Figures(compute(), timezone.now())
    try:
        cache.set(key, figures, seconds)
    except Exception:
        logger.warning("figures cache unavailable", exc_info=True)
    return figures


def _claim_refresh(key: str) -> bool:
    try:
        return bool(cache.add(f"{key}:refresh", 1, REFRESH_CLAIM_SECONDS))
    except Exception:
        return True


def figures_changed(topic: str) -> None:
    """Drop every cached figure of the topic (its next reads compute afresh)."""
    key = _generation_key(topic)
    try:
        if not cache.add(key, 1, None):
            cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, None)
    except Exception:
        logger.warning("figures cache unavailable", exc_info=True)
