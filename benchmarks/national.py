"""Shared set-up for the benchmarks that need the national-scale data set on PostgreSQL.

``ensure_national(url)`` creates the database if needed, migrates it and, when it holds fewer than 50,000
enterprises, runs ``seed_demo --scale national`` (timed: the seeding time is printed as
``{"seed_national_s": ...}``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_national"


def configure(url: str, settings_module: str = "portal.settings.test") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_national(url: str) -> float | None:
    """Returns the seeding time in seconds when it seeded, None when the data was already there."""
    import django

    ensure_database(url)
    django.setup()
    from django.core.management import call_command

    from enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    if Enterprise.objects.count() >= 50_000:
        return None
    started = time.perf_counter()
    call_command("seed_demo", "--scale", "national")
    seconds = round(time.perf_counter() - started, 1)
    print(json.dumps({"seed_national_s": seconds}))
    return seconds


if __name__ == "__main__":
    target = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    configure(target)
    ensure_national(target)
