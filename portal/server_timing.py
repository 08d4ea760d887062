"""``Server-Timing`` on every response: the server's own time for the request (``app``) and the time spent in the
database (``db``, with the number of queries), so a load test or the browser's network panel can tell the server's
share from the client's and the network's (``Server-Timing: app;dur=12.3, db;dur=4.1;desc="9 queries"``).

The figure is measured inside the process that answers: a load tool sharing the machine's cores with the server
inflates the client's times, never these. Switched off with ``SERVER_TIMING = False``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse


class _QueryTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(getattr(settings, "SERVER_TIMING", True))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        timer = _QueryTimer()
        start = time.perf_counter()
        with _wrapped(timer):
            response = self.get_response(request)
        app_ms = (time.perf_counter() - start) * 1000
        response.headers["Server-Timing"] = (
            f'app;dur={app_ms:.1f}, db;dur={timer.seconds * 1000:.1f};desc="{timer.count} queries"')
        return response


class _wrapped:
    """Installs the timer on every configured database connection for the duration of the request."""

    def __init__(self, timer: _QueryTimer) -> None:
        self.timer = timer
        self.stacks: list[Any] = []

    def __enter__(self) -> None:
        for alias in connections:
            conn = connections[alias]
            conn.execute_wrappers.append(self.timer)
            self.stacks.append(conn)

    def __exit__(self, *exc: Any) -> None:
        for conn in self.stacks:
            if self.timer in conn.execute_wrappers:
                conn.execute_wrappers.remove(self.timer)
