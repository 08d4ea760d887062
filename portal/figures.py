"""A short-lived cache for the scope-wide figures of dashboards and statistics pages.

National and provincial counts read hundreds of thousands of rows (tens to hundreds of milliseconds each)
and every user of the same scope asks for the same figures within seconds. They are computed once and kept
for ``FIGURES_CACHE_SECONDS`` (60 s by default) in the Django cache (Redis in production); pages show the
time the figures were computed ("统计时间 HH:MM"), so a cached figure is never passed off as live.

A key holds everything the figure depends on: its name, the year and the scope. Figures that depend on the
user's tenant scope are keyed by :func:`scope_of` (the inputs of the scoping policy), so a figure computed
for one province is never shown to another. A *topic* (e.g. one year's questionnaire) can be dropped at
once: its generation number is part of its keys and :func:`figures_changed` moves it on, which makes every
older entry stale (they expire on their own). Where the worker refreshes figures (below), an older generation's
figures stand in, with their time, until the worker has computed the new ones; elsewhere the next read computes.

Only large scopes are worth caching; a district's or a CB's figures are cheap and computed live
(``live=True``), with the same "as of" time so the pages look the same.

In production the request never pays for a refresh: a computation given as a :class:`Recompute` (a function
registered with :func:`refreshable` and its JSON-serialisable arguments) is refreshed by the Celery worker in the
last quarter of its minute, while every request keeps reading the cached figures. Only a cold key (nobody asked for
it in the last minute) is computed in the request. In the embedded runtime (Celery eager) the request computes the
refresh itself, as it does where the broker cannot be reached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

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


_REFRESHABLE: dict[str, Callable[..., Any]] = {}
_REFRESHING: ContextVar[bool] = ContextVar("_REFRESHING", default=False)


def refreshable(func: Callable[..., T]) -> Callable[..., T]:
    """Register ``func`` (module level, JSON-serialisable arguments) as a computation the worker may run to refresh
    cached figures. Only registered names are run: a message on the broker cannot name any other function."""
    _REFRESHABLE[_name(func)] = func
    return func


def _name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


@dataclass(frozen=True)
class Recompute(Generic[T]):
    """A computation the worker can repeat: a :func:`refreshable` function and its arguments."""

    name: str
    args: tuple[Any, ...]

    def __call__(self) -> T:
        return cast("T", _REFRESHABLE[self.name](*self.args))


def recompute(func: Callable[..., T], *args: Any) -> Recompute[T]:
    name = _name(func)
    if _REFRESHABLE.get(name) is not func:
        raise ValueError(f"{name} is not registered with @refreshable")
    return Recompute(name, args)


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
        generation, digest = _generation(topic), _digest(parts)
        key = _key_at(topic, generation, digest)
        # A worker refreshing figures computes what they are made of afresh too, so they are no older than it.
        refreshing_now = _REFRESHING.get()
        hit = None if refreshing_now else cache.get(key)
        by_worker = isinstance(compute, Recompute) and not refreshing_now and _worker_available()
        # After a change of the topic, the figures of the generations just before it stand in while the worker
        # computes the new ones (a change never makes the next request compute them).
        older = _older(topic, generation, digest) if hit is None and by_worker else None
    except Exception:  # the cache is an optimisation: without it, compute
        logger.warning("figures cache unavailable", exc_info=True)
        return Figures(compute(), timezone.now())
    # In the last quarter of their minute, one request (the one that takes the refresh mark) has the figures
    # computed afresh — by the worker where it can be, else itself — while the others keep the cached ones: no
    # crowd of identical national queries when they expire, and still never older than FIGURES_CACHE_SECONDS.
    standing = hit if isinstance(hit, Figures) else older
    if standing is not None:
        fresh = standing is not older and (timezone.now() - standing.as_of).total_seconds() < seconds * REFRESH_AFTER
        if fresh or not _claim_refresh(key):  # not due, or another request has the refresh in hand
            return standing
        if by_worker and _refresh_in_worker(cast("Recompute[T]", compute), key, seconds):
            return standing
    return _store(key, compute, seconds)


def _generation(topic: str) -> int:
    return int(cache.get(_generation_key(topic), 0))


def _digest(parts: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _key_at(topic: str, generation: int, digest: str) -> str:
    return f"{PREFIX}:{topic}:{generation}:{digest}"


def _key(topic: str, parts: tuple[Any, ...]) -> str:
    return _key_at(topic, _generation(topic), _digest(parts))


OLDER_GENERATIONS = 3  # how far back a change's stand-in figures are looked for


def _older(topic: str, generation: int, digest: str) -> Figures[Any] | None:
    keys = [_key_at(topic, g, digest) for g in range(generation - 1, max(generation - 1 - OLDER_GENERATIONS, -1), -1)]
    found = cache.get_many(keys) if keys else {}
    for key in keys:  # the newest first
        if isinstance(found.get(key), Figures):
            return cast("Figures[Any]", found[key])
    return None


def _store(key: str, compute: Callable[[], T], seconds: int) -> Figures[T]:
    figures = Figures(compute(), timezone.now())
    try:
        cache.set(key, figures, seconds)
    except Exception:
        logger.warning("figures cache unavailable", exc_info=True)
    return figures


def _worker_available() -> bool:
    """A Celery worker refreshes figures (production); not in the embedded runtime, where tasks run eagerly."""
    from .tasks import refresh_figures

    return not refresh_figures.app.conf.task_always_eager


def _refresh_in_worker(computation: Recompute[Any], key: str, seconds: int) -> bool:
    """Hand the refresh to the Celery worker; False where the broker is unreachable (the request computes)."""
    from .tasks import refresh_figures

    try:
        refresh_figures.delay(computation.name, list(computation.args), key, seconds)
    except Exception:
        logger.warning("figures refresh not queued; computed in the request", exc_info=True)
        return False
    return True


def run_refresh(name: str, args: list[Any], key: str, seconds: int) -> None:
    """The worker's side of a refresh: compute the registered function afresh (and what it reads through this
    cache) and store it under the key the request computed."""
    func = _REFRESHABLE.get(name)
    if func is None:
        logger.warning("figures refresh: %s is not registered", name)
        return
    with refreshing():
        _store(key, lambda: func(*args), seconds)


@contextmanager
def refreshing() -> Iterator[None]:
    """Compute every cached figure read inside afresh (and store it): what a worker's refresh does."""
    token = _REFRESHING.set(True)
    try:
        yield
    finally:
        _REFRESHING.reset(token)


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
