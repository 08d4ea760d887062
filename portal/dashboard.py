"""Dashboard panels contributed by the feature apps.

A feature registers ``panel(request) -> dict | None`` with :func:`dashboard_panel`; the dict is
``{"title": ..., "template": ..., **context}`` and is rendered in the role's dashboard when not None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Panel = Callable[[HttpRequest], dict[str, Any] | None]
_PANELS: list[Panel] = []


def dashboard_panel(func: Panel) -> Panel:
    _PANELS.append(func)
    return func


def panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    return [panel for panel in (p(request) for p in _PANELS) if panel]
