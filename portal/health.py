"""Health of the portal's parts, for ``/healthz`` and the containers' health checks.

One check per part: ``database`` (a query on a connection of its own), ``cache`` (set, get and delete a key),
``broker`` (a connection to ``CELERY_BROKER_URL``), ``worker`` and ``beat`` (their heartbeats). Beat sends
``portal.tasks.heartbeat`` every ``HEALTH_HEARTBEAT_SECONDS``; the beat process records when it sent it (the
beat heartbeat, ``record_beat_send``) and the worker that runs it records when it ran (the worker heartbeat).
Both live in the database (``portal.Heartbeat``), which every process reaches and which keeps them through a
Redis restart. A heartbeat older than ``HEALTH_HEARTBEAT_MAX_AGE`` is down. In the embedded runtime (Celery
eager: no broker, worker or beat) those three parts answer ``eager``, which counts as healthy.

The network checks run side by side and none may keep the caller longer than ``HEALTH_TIMEOUT_SECONDS``. The
report says nothing an anonymous caller should not learn: no addresses, only the class of an error (the full
error goes to the log).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

OK = "ok"
EAGER = "eager"  # not applicable: the embedded runtime runs tasks in-process
DOWN = "down"
UNKNOWN = "unknown"  # the heartbeats could not be read (the database is down)
HEALTHY = frozenset({OK, EAGER})

NETWORK_PARTS = ("database", "cache", "broker")
HEARTBEAT_PARTS = ("worker", "beat")
PARTS = NETWORK_PARTS + HEARTBEAT_PARTS

Part = dict[str, Any]


def _timeout() -> float:
    return float(settings.HEALTH_TIMEOUT_SECONDS)


def _eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def _failed(part: str, exc: BaseException, started: float) -> Part:
    logger.warning("health check of the %s failed: %r", part, exc)
    return {"status": DOWN, "ms": _ms(started), "error": type(exc).__name__}


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


# --- the parts ------------------------------------------------------------------------------------------------


def check_database(default: BaseDatabaseWrapper | None = None) -> Part:
    """``SELECT 1`` on a new connection, like ``default`` but giving up connecting after the health timeout (the
    request's own connection would wait for psycopg's default of more than two minutes for a silent server)."""
    started = time.monotonic()
    if default is None:
        default = connections[DEFAULT_DB_ALIAS]
    params = {**default.settings_dict, "OPTIONS": dict(default.settings_dict.get("OPTIONS") or {})}
    if default.vendor == "postgresql":
        params["OPTIONS"]["connect_timeout"] = max(2, math.ceil(_timeout()))  # libpq's minimum is 2 s
    try:
        conn = type(default)(params, DEFAULT_DB_ALIAS)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            conn.close()
    except Exception as exc:
        return _failed("database", exc, started)
    return {"status": OK, "ms": _ms(started)}


def check_cache(cache: BaseCache | None = None) -> Part:
    """Set, read back and delete a key of its own (concurrent checks never read each other's)."""
    started = time.monotonic()
    if cache is None:
        cache = caches["default"]
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=30)
        found = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _failed("cache", exc, started)
    if found != token:
        logger.warning("health check of the cache: the value set was not read back")
        return {"status": DOWN, "ms": _ms(started), "error": "value not read back"}
    return {"status": OK, "ms": _ms(started)}


def check_broker() -> Part:
    """Open a connection to the Celery broker once (no retries), with short socket timeouts."""
    if _eager():
        return {"status": EAGER}
    started = time.monotonic()
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"status": DOWN, "ms": 0, "error": "no broker configured"}
    from kombu import Connection

    timeout = _timeout()
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with Connection(url, connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0)  # one attempt: the container check itself retries
    except Exception as exc:
        return _failed("broker", exc, started)
    return {"status": OK, "ms": _ms(started)}


def check_heartbeats(parts: Iterable[str] = HEARTBEAT_PARTS, *, now: dt.datetime | None = None) -> dict[str, Part]:
    """The worker and beat heartbeats: ok when seen within ``HEALTH_HEARTBEAT_MAX_AGE``."""
    parts = list(parts)
    if _eager():
        return {part: {"status": EAGER, "last_seen": None} for part in parts}
    seen = dict(Heartbeat.objects.filter(name__in=parts).values_list("name", "seen_at"))
    now = now or timezone.now()
    max_age = float(settings.HEALTH_HEARTBEAT_MAX_AGE)
    report: dict[str, Part] = {}
    for part in parts:
        last = seen.get(part)
        age = (now - last).total_seconds() if last else None
        fresh = age is not None and age <= max_age
        report[part] = {"status": OK if fresh else DOWN, "last_seen": last.isoformat() if last else None}
        if age is not None:
            report[part]["age_seconds"] = round(age, 1)
        if not fresh:
            report[part]["error"] = "no heartbeat yet" if last is None else "heartbeat too old"
    return report


def _network_checks() -> dict[str, Callable[[], Part]]:
    # The caller's database settings and cache backend, handed to the threads: a thread asking for them itself
    # would build a cache client (and its connection pool) of its own on every check.
    return {
        "database": partial(check_database, connections[DEFAULT_DB_ALIAS]),
        "cache": partial(check_cache, caches["default"]),
        "broker": check_broker,
    }


def _run_bounded(checks: dict[str, Callable[[], Part]], timeout: float) -> dict[str, Part]:
    """Run the checks in threads of their own and wait at most ``timeout`` seconds for all of them: a check
    that has not answered by then is down (its thread ends later, on its own socket timeout)."""
    results: dict[str, Part] = {}
    started = time.monotonic()

    def run(name: str) -> None:
        results[name] = checks[name]()

    threads = {name: threading.Thread(target=run, args=(name,), name=f"health-{name}", daemon=True) for name in checks}
    for thread in threads.values():
        thread.start()
    deadline = started + timeout
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    done = dict(results)
    for name in threads:
        if name not in done:
            logger.warning("health check of the %s did not answer within %.1f s", name, timeout)
            done[name] = {"status": DOWN, "ms": _ms(started), "error": "timeout"}
    return done


def health_report(parts: Iterable[str] = PARTS) -> dict[str, Any]:
    """``{"status": "ok"|"down", "parts": {part: {"status": ..., ...}}}`` for the parts asked for (all by
    default). The heartbeats are read only when the database answered; otherwise they are ``unknown``."""
    wanted = [part for part in PARTS if part in set(parts)]
    heartbeats = [part for part in wanted if part in HEARTBEAT_PARTS]
    network = [part for part in wanted if part in NETWORK_PARTS]
    if heartbeats and not _eager() and "database" not in network:
        network.append("database")  # the heartbeats are read from it
    available = _network_checks()
    results = _run_bounded({name: available[name] for name in network}, _timeout()) if network else {}
    if heartbeats:
        if _eager() or results["database"]["status"] == OK:
            results.update(check_heartbeats(heartbeats))
        else:
            results.update(
                {part: {"status": UNKNOWN, "last_seen": None, "error": "database down"} for part in heartbeats}
            )
    report = {part: results[part] for part in wanted}
    healthy = all(part["status"] in HEALTHY for part in report.values())
    return {"status": OK if healthy else DOWN, "parts": report}


# --- recording the heartbeats ---------------------------------------------------------------------------------


def record_heartbeat(name: str, at: dt.datetime | None = None) -> None:
    """Upsert one heartbeat row (one statement, whichever process writes first)."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, seen_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["seen_at"],
    )


def record_beat_send() -> None:
    """Beat has just handed a heartbeat message to the broker. Beat has no request cycle that drops a database
    connection broken by a database restart, so this does it, before the write and after a failed one."""
    conn = connections[DEFAULT_DB_ALIAS]
    if not conn.in_atomic_block:
        conn.close_if_unusable_or_obsolete()
    try:
        record_heartbeat("beat")
    except Exception:
        logger.exception("could not record the beat heartbeat")
        if not conn.in_atomic_block:
            conn.close()
