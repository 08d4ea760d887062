"""Reference data and deterministic demo data, contributed by each app.

``load_reference_data`` imports ``<app>.reference`` for every project app; a module registers its loaders with
:func:`reference_loader` (``loader() -> str``, a line for the command's output), which run in ascending
``order``. Every loader is idempotent: running it again changes nothing.

``seed_demo`` imports ``<app>.seed`` for every project app; a module registers functions with
:func:`seeder`, which run in ascending ``order`` with one shared :class:`SeedContext`. Every seeder must be
deterministic (use ``ctx.rng``) and fast at national scale (bulk writes).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

# The apps whose ``reference`` and ``seed`` modules are imported (by name: the portal imports no feature app).
PROJECT_APPS = ("portal", "programme", "enterprises", "enterprises.questionnaire", "assessments", "reporting")

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


def import_app_modules(module: str) -> None:
    """Import ``<app>.<module>`` of every installed project app that has one (registering its loaders)."""
    for app in PROJECT_APPS:
        if app in settings.INSTALLED_APPS:
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.{module}":
                    raise


ReferenceLoader = Callable[[], str]
_REFERENCE_LOADERS: list[tuple[int, str, ReferenceLoader]] = []


def reference_loader(order: int) -> Callable[[ReferenceLoader], ReferenceLoader]:
    """Register an idempotent reference-data loader; it returns one line saying what it loaded."""

    def register(func: ReferenceLoader) -> ReferenceLoader:
        name = f"{func.__module__}.{func.__name__}"
        if name not in {n for _o, n, _f in _REFERENCE_LOADERS}:
            _REFERENCE_LOADERS.append((order, name, func))
        return func

    return register


def registered_reference_loaders() -> list[tuple[int, str, ReferenceLoader]]:
    return sorted(_REFERENCE_LOADERS, key=lambda item: (item[0], item[1]))
