"""Deterministic demo data, contributed by each app.

``seed_demo`` imports ``<app>.seed`` for every project app; a module registers functions with
:func:`seeder`, which run in ascending ``order`` with one shared :class:`SeedContext`. Every seeder must be
deterministic (use ``ctx.rng``) and fast at national scale (bulk writes).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - printed on purpose: demo logins only


@dataclass
class SeedContext:
    scale: str
    rng: random.Random
    write: Callable[[str], None]
    password: str = DEMO_PASSWORD
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, organisation)
    data: dict[str, Any] = field(default_factory=dict)  # shared between seeders

    @property
    def national(self) -> bool:
        return self.scale == "national"


Seeder = Callable[[SeedContext], None]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def seeder(order: int) -> Callable[[Seeder], Seeder]:
    def register(func: Seeder) -> Seeder:
        _SEEDERS.append((order, f"{func.__module__}.{func.__name__}", func))
        return func

    return register


def registered_seeders() -> list[tuple[int, str, Seeder]]:
    return sorted(_SEEDERS, key=lambda item: (item[0], item[1]))
