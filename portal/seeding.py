"""Reference data and deterministic demo data, contributed by each app.

``load_reference_data`` imports ``<app>.reference`` for every project app; a module registers its loaders with
:func:`reference_loader` (``loader() -> str``, a line for the command's output), which run in ascending
``order``. Every loader is idempotent: running it again changes nothing.

``seed_demo`` imports ``<app>.seed`` for every project app; a module registers functions with
:func:`seeder`, which run in ascending ``order`` with one shared :class:`SeedContext`. Every seeder must be
deterministic (use ``ctx.rng``) and fast at national scale (bulk writes).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

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


@contextlib.contextmanager
def one_password_hash() -> Iterator[None]:
    """While seeding, hash each password once: the demo accounts share one printed password, and a password hash
    (PBKDF2, ~1 s by design) was most of the demo's seeding time. Every account still gets a proper hash of the
    configured hasher (the same salt for all: they are demo accounts with a published password)."""
    from django.contrib.auth import base_user

    original = base_user.make_password  # type: ignore[attr-defined]
    done: dict[str, str] = {}

    def make_password(password: str | None, salt: str | None = None, hasher: str = "default") -> str:
        if password is None or salt is not None or hasher != "default":
            return original(password, salt, hasher)
        if password not in done:
            done[password] = original(password)
        return done[password]

    base_user.make_password = make_password  # type: ignore[attr-defined]
    try:
        yield
    finally:
        base_user.make_password = original  # type: ignore[attr-defined]


def sqlite_insert(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]], *,
                  ignore_conflicts: bool = True, batch: int = 5000) -> None:
    """Insert many rows into SQLite with ``executemany`` (the demo's fast path; PostgreSQL seeds use ``COPY``).
    Values are the fields' Python values (aware datetimes, decimals, dates, JSON values); nothing is validated."""
    fields = [model._meta.get_field(name) for name in attnames]
    convert: list[Callable[[Any], Any] | None] = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            convert.append(lambda v: None if v is None else str(
                timezone.make_naive(v, connection.timezone) if timezone.is_aware(v) else v))
        elif isinstance(f, models.JSONField):
            convert.append(lambda v: None if v is None else json.dumps(v))
        elif isinstance(f, models.DecimalField):
            convert.append(lambda v: None if v is None else str(v))
        else:
            convert.append(None)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)  # type: ignore[union-attr]
    table = connection.ops.quote_name(model._meta.db_table)
    verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
    sql = f"{verb} INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    pending: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            pending.append([c(v) if c else v for c, v in zip(convert, row, strict=True)])
            if len(pending) >= batch:
                cursor.executemany(sql, pending)
                pending.clear()
        if pending:
            cursor.executemany(sql, pending)


def insert_new(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Write new instances fast into a table that holds none of them: ``COPY`` on PostgreSQL, ``executemany`` on
    SQLite, ``bulk_create`` elsewhere (no ``save()``, no signals; ``auto_now`` fields get the current time)."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    auto = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    rows = ([now if f.attname in auto and getattr(o, f.attname) is None else getattr(o, f.attname) for f in fields]
            for o in objs)
    if connection.vendor == "sqlite":
        sqlite_insert(model, [f.attname for f in fields], rows, ignore_conflicts=False)
    elif connection.vendor == "postgresql":
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        with connection.cursor() as cursor, cursor.cursor.copy(  # type: ignore[attr-defined]
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                for i in json_at:
                    row[i] = None if row[i] is None else json.dumps(row[i], ensure_ascii=False)
                copy.write_row(row)
    else:
        model._default_manager.bulk_create(objs, batch_size=5000)


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
