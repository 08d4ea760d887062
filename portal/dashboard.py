"""Dashboard panels contributed by the feature apps.

A feature registers ``panel(request) -> dict | None`` with :func:`dashboard_panel`; the dict is
``{"template": ..., "title": ..., **context}`` and is rendered (``{% include panel.template %}``) in the role's
dashboard when not None. The portal
knows no feature app: everything a dashboard shows beyond the user's own account arrives this way.

A panel goes to one *slot* of the page (``dashboard_panel(slot=..., order=...)``; lower ``order`` first):

- ``"calendar"``: the card at the top (the programme calendar: current year, phase, next deadline);
- ``"counts"``: the row of count tiles. Such a panel returns ``{"tiles": [Tile, ...], "as_of": datetime}``
  (figures from :func:`portal.figures.cached_figures`); :func:`dashboard_counts` puts the tiles of every
  counts panel into one row, under the oldest ``as_of``;
- ``"panels"`` (the default): the cards below the page's own content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from django.http import HttpRequest
from django.utils import timezone

Panel = Callable[[HttpRequest], dict[str, Any] | None]
SLOTS = ("calendar", "counts", "panels")
_PANELS: list[tuple[str, int, int, Panel]] = []  # (slot, order, registration number, panel)


@overload
def dashboard_panel(func: Panel, /) -> Panel: ...
@overload
def dashboard_panel(*, slot: str = "panels", order: int = 100) -> Callable[[Panel], Panel]: ...


def dashboard_panel(func: Panel | None = None, /, *, slot: str = "panels",
                    order: int = 100) -> Panel | Callable[[Panel], Panel]:
    """Register a panel: ``@dashboard_panel`` (a card in the default slot) or
    ``@dashboard_panel(slot="counts", order=10)``. Registering the same function again changes nothing."""
    if slot not in SLOTS:
        raise ValueError(f"unknown dashboard slot {slot!r} (one of {', '.join(SLOTS)})")

    def register(panel: Panel) -> Panel:
        if not any(p is panel for _s, _o, _n, p in _PANELS):
            _PANELS.append((slot, order, len(_PANELS), panel))
        return panel

    return register(func) if func is not None else register


def panels_for(request: HttpRequest, slot: str = "panels") -> list[dict[str, Any]]:
    registered = sorted((p for p in _PANELS if p[0] == slot), key=lambda p: (p[1], p[2]))
    return [panel for panel in (p[3](request) for p in registered) if panel]


@dataclass(frozen=True)
class Tile:
    """One count tile: ``name`` is its key in the page's ``counts``, ``key`` its ``data-count`` attribute."""

    name: str
    value: int
    label: str
    key: str = ""


@dataclass(frozen=True)
class Counts:
    tiles: list[Tile] = field(default_factory=list)
    as_of: datetime | None = None

    @property
    def values(self) -> dict[str, int]:
        return {tile.name: tile.value for tile in self.tiles}


def dashboard_counts(request: HttpRequest) -> Counts:
    """The tiles of every ``"counts"`` panel, in order, with the time of the oldest figures among them."""
    tiles: list[Tile] = []
    times: list[datetime] = []
    for panel in panels_for(request, "counts"):
        tiles.extend(panel.get("tiles", ()))
        if panel.get("as_of") is not None:
            times.append(panel["as_of"])
    return Counts(tiles, min(times) if times else (timezone.now() if tiles else None))
