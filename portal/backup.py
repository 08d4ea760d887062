"""Backups of the production database (pg_dump custom format) together with the uploaded files.

A backup is a folder: ``database.dump`` (``pg_dump -Fc``), ``media.tar.gz`` (MEDIA_ROOT) and
``manifest.json`` (when, which database, row counts per table — the restore checks them).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from django.conf import settings


def _libpq_url(url: str) -> str:
    # libpq accepts postgres:// and postgresql://; dj-database-url style extras are not needed here.
    return url.replace("postgis://", "postgres://", 1)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install the PostgreSQL client (Debian: postgresql-client)")
    return path


def table_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(_libpq_url(database_url)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [row[0] for row in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names come from the catalogue
            counts[table] = cur.fetchone()[0]  # type: ignore[index]
    return counts


def backup_create(*, database_url: str, out_dir: Path, media_root: Path | None = None) -> Path:
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise ValueError("backups are for PostgreSQL databases (DATABASE_URL=postgres://...)")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         f"--file={target / 'database.dump'}", _libpq_url(database_url)],
        check=True,
    )
    media = Path(media_root or settings.MEDIA_ROOT)
    with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    manifest: dict[str, Any] = {
        "created_at": stamp,
        "database": urlsplit(database_url).path.lstrip("/"),
        "tables": table_counts(database_url),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def backup_restore(*, backup_dir: Path, database_url: str, media_root: Path | None = None) -> dict[str, Any]:
    """Restore into ``database_url`` (an empty or existing database: objects are replaced) and the media
    folder; then compare the row counts of every table with the manifest."""
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
         f"--dbname={_libpq_url(database_url)}", str(backup_dir / "database.dump")],
        check=True,
    )
    media = Path(media_root or settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_dir / "media.tar.gz", "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")]
        for member in members:
            member.name = os.path.relpath(member.name, "media")
        tar.extractall(media, members=[m for m in members if m.name != "."], filter="data")
    restored = table_counts(database_url)
    mismatched = {t: (n, restored.get(t)) for t, n in manifest["tables"].items() if restored.get(t) != n}
    return {"tables": len(restored), "rows": sum(restored.values()), "mismatched": mismatched}
