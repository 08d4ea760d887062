"""Storing validated rows: the staging table (COPY on PostgreSQL, bulk_create elsewhere) and the merge into
the registry and the ledger — set-based SQL, so 100,000 rows merge in seconds.

The merge writes one audit event per created/updated enterprise and ledger record, in the same statement
style (INSERT … SELECT into the audit table; on PostgreSQL in the same statement as the insert), with the actor,
the time and the upload/API source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from portal.models import AuditAction, AuditEvent

from ..models import Enterprise, LedgerRecord, LedgerStagingRow
from .rules import RECORD_FIELDS, STAGING_FIELDS, Staged

STAGING = LedgerStagingRow._meta.db_table
ENTERPRISE = Enterprise._meta.db_table
LEDGER = LedgerRecord._meta.db_table
AUDIT = AuditEvent._meta.db_table
_STAGING_COLUMNS: list[str] = [LedgerStagingRow._meta.get_field(n).column for n in STAGING_FIELDS]  # type: ignore[union-attr,misc]


class StaleUpload(Exception):
    """The stored data changed between validation and commit."""


def write_staging(upload_id: int, staged: list[Staged]) -> None:
    if not staged:
        return
    if connection.vendor == "postgresql":
        columns = ", ".join(["upload_id", *_STAGING_COLUMNS])
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for item in staged:
                copy.write_row((upload_id, *item.as_tuple()))
        return
    objects = []
    for item in staged:
        p = item.parsed
        kwargs: dict[str, Any] = dict(zip(RECORD_FIELDS, p.values, strict=True))
        objects.append(
            LedgerStagingRow(
                upload_id=upload_id,
                row_number=p.row,
                action=item.action,
                record_id=item.record_id,
                enterprise_id=item.enterprise_id,
                uscc=p.uscc,
                enterprise_update=item.enterprise_update,
                warnings=p.warnings,
                changes=item.changes,
                discrepancies=item.discrepancies,
                enterprise_changes=item.enterprise_changes,
                content_hash=item.content_hash,
                **kwargs,
            )
        )
    LedgerStagingRow.objects.bulk_create(objects, batch_size=500)


# The columns the merge filters and joins on (and, for the ledger, the certificate number validation looks up).
# ANALYZE samples up to 30,000 rows and computes statistics for every column it is given: over all ~40 columns of
# these tables it took a third of the merge, over these few it is a tenth of that, and the plans (hash joins on the
# staged rows) are the same. A column-restricted ANALYZE leaves the table's change counter alone, so autovacuum
# still analyzes the whole table after a large upload.
_STAGING_STATS = ("upload_id", "action", "enterprise_id", "enterprise_update", "uscc", "record_id")
_LEDGER_STATS = ("certification_body_id", "programme_year_id", "enterprise_id", "certificate_number")


def analyze(table: str, columns: tuple[str, ...] = ()) -> None:
    """Fresh planner statistics after bulk writes (PostgreSQL), so the merge joins use hash joins."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table} ({', '.join(columns)})" if columns else f"ANALYZE {table}")


def clear_staging(upload_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGING} WHERE upload_id = %s", [upload_id])  # noqa: S608


def _audit_sql(select: str) -> str:
    return f"INSERT INTO {AUDIT} (at, actor_id, action, object_type, object_id, object_repr, source, changes) " + select


def merge_staged(
    *,
    upload_id: int,
    certification_body_id: int,
    year: int,
    actor_id: int | None,
    source: str,
    now: dt.datetime,
    expect: dict[str, int],
) -> dict[str, int]:
    """Merge an upload's staged rows. Must run inside ``transaction.atomic`` with the CB row locked."""
    record_cols: list[str] = [LedgerRecord._meta.get_field(n).column for n in RECORD_FIELDS]  # type: ignore[union-attr,misc]
    s_cols = ", ".join(f"s.{c}" for c in record_cols)
    analyze(STAGING, _STAGING_STATS)
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            # A bulk merge: don't wait for the WAL flush of this one transaction. Safe here: it stays atomic
            # (the upload's status row commits with it); a server crash in the short window before the WAL
            # writer flushes can only lose the whole merge, never part of it, leaving the upload "ready" (its
            # staged rows then fail the commit's count check: re-upload); and WAL is flushed in order, so
            # anything committed durably afterwards (the job row saying "done") makes this merge durable too.
            c.execute("SET LOCAL synchronous_commit TO OFF")
        # 1. Enterprises new to the registry, and their audit events.
        insert_enterprises = (
            f"INSERT INTO {ENTERPRISE} (uscc, name, district_id, industry, employees, revenue, size_class, "  # noqa: S608
            f"created_at, updated_at) SELECT s.uscc, s.reported_name, s.reported_district_id, s.reported_industry, "
            f"s.reported_employees, s.reported_revenue, s.reported_size_class, %s, %s FROM {STAGING} s "
            f"WHERE s.upload_id = %s AND s.enterprise_id IS NULL AND s.action = 'new' "
            f"ON CONFLICT (uscc) DO NOTHING"
        )
        audit_enterprises = [now, actor_id, AuditAction.CREATE, "enterprises.enterprise", source, "{}"]
        if connection.vendor == "postgresql":
            # One statement: the audit events come from the rows the INSERT returns (exactly the enterprises it
            # created), instead of finding them again by creation time in the whole registry.
            c.execute(
                f"WITH created AS ({insert_enterprises} RETURNING id, name) "  # noqa: S608
                + _audit_sql("SELECT %s, %s, %s, %s, CAST(id AS VARCHAR(20)), name, %s, %s FROM created"),
                [now, now, upload_id, *audit_enterprises],
            )
            created_enterprises = max(c.rowcount, 0)
        else:
            c.execute(insert_enterprises, [now, now, upload_id])
            created_enterprises = max(c.rowcount, 0)
            c.execute(
                _audit_sql(
                    f"SELECT %s, %s, %s, %s, CAST(e.id AS VARCHAR(20)), e.name, %s, %s FROM {ENTERPRISE} e "  # noqa: S608
                    f"JOIN {STAGING} s ON s.uscc = e.uscc WHERE s.upload_id = %s AND s.enterprise_id IS NULL "
                    f"AND e.created_at = %s"
                ),
                [*audit_enterprises, upload_id, now],
            )
        # 2. Registry updates this CB is entitled to (no other CB has reported the enterprise).
        c.execute(
            f"UPDATE {ENTERPRISE} SET name = s.reported_name, district_id = s.reported_district_id, "  # noqa: S608
            f"industry = s.reported_industry, employees = s.reported_employees, revenue = s.reported_revenue, "
            f"size_class = s.reported_size_class, updated_at = %s FROM {STAGING} s "
            f"WHERE s.upload_id = %s AND s.enterprise_update AND {ENTERPRISE}.id = s.enterprise_id",
            [now, upload_id],
        )
        updated_enterprises = max(c.rowcount, 0)
        c.execute(
            _audit_sql(
                f"SELECT %s, %s, %s, %s, CAST(s.enterprise_id AS VARCHAR(20)), s.reported_name, %s, "  # noqa: S608
                f"s.enterprise_changes FROM {STAGING} s WHERE s.upload_id = %s AND s.enterprise_update"
            ),
            [now, actor_id, AuditAction.UPDATE, "enterprises.enterprise", source, upload_id],
        )
        # 3. Ledger records: inserts and updates, checked against what validation saw.
        insert_cols = (
            f"programme_year_id, certification_body_id, enterprise_id, {', '.join(record_cols)}, warnings, "
            f"content_hash, source, last_upload_id, created_at, updated_at"
        )
        last_upload = upload_id if source.startswith("upload") else None
        insert_params: list[Any] = [year, certification_body_id, source[:32], last_upload, now, now, upload_id]
        if connection.vendor == "postgresql":
            # The new records take their ids from the table's sequence in the SELECT, so their audit events are
            # written from the same rows in the same statement (no join back through the natural key).
            c.execute(
                f"WITH src AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('{LEDGER}', 'id')) AS id, "  # noqa: S608
                f"%s AS programme_year_id, %s AS certification_body_id, e.id AS enterprise_id, {s_cols}, "
                f"s.warnings, s.content_hash, %s AS source, CAST(%s AS BIGINT) AS last_upload_id, %s AS created_at, "
                f"%s AS updated_at, s.changes FROM {STAGING} s JOIN {ENTERPRISE} e ON e.uscc = s.uscc "
                f"WHERE s.upload_id = %s AND s.action = 'new'), "
                f"ins AS (INSERT INTO {LEDGER} (id, {insert_cols}) SELECT id, {insert_cols} FROM src) "
                + _audit_sql("SELECT %s, %s, %s, %s, CAST(id AS VARCHAR(20)), reported_name, %s, changes FROM src"),
                [*insert_params, now, actor_id, AuditAction.CREATE, "enterprises.ledgerrecord", source],
            )
            # A data-modifying WITH runs to completion: one record inserted per event written.
            created = max(c.rowcount, 0)
        else:
            c.execute(
                f"INSERT INTO {LEDGER} ({insert_cols}) SELECT %s, %s, e.id, {s_cols}, s.warnings, "  # noqa: S608
                f"s.content_hash, %s, %s, %s, %s FROM {STAGING} s JOIN {ENTERPRISE} e ON e.uscc = s.uscc "
                f"WHERE s.upload_id = %s AND s.action = 'new'",
                insert_params,
            )
            created = max(c.rowcount, 0)
            c.execute(
                _audit_sql(
                    f"SELECT %s, %s, %s, %s, CAST(r.id AS VARCHAR(20)), s.reported_name, %s, s.changes "  # noqa: S608
                    f"FROM {STAGING} s JOIN {ENTERPRISE} e ON e.uscc = s.uscc JOIN {LEDGER} r "
                    f"ON r.enterprise_id = e.id AND r.certification_body_id = %s AND r.programme_year_id = %s "
                    f"WHERE s.upload_id = %s AND s.action = 'new'"
                ),
                [now, actor_id, AuditAction.CREATE, "enterprises.ledgerrecord", source, certification_body_id, year,
                 upload_id],
            )
        sets = ", ".join(f"{col} = s.{col}" for col in record_cols)
        c.execute(
            f"UPDATE {LEDGER} SET {sets}, warnings = s.warnings, content_hash = s.content_hash, source = %s, "  # noqa: S608
            f"last_upload_id = %s, updated_at = %s FROM {STAGING} s "
            f"WHERE s.upload_id = %s AND s.action = 'changed' AND {LEDGER}.id = s.record_id "
            f"AND {LEDGER}.certification_body_id = %s",
            [source[:32], last_upload, now, upload_id, certification_body_id],
        )
        updated = max(c.rowcount, 0)
        if created != expect.get("new", created) or updated != expect.get("changed", updated):
            raise StaleUpload
        if created > 1000:
            analyze(LEDGER, _LEDGER_STATS)
        # Changed records carry their id in the staged row.
        c.execute(
            _audit_sql(
                f"SELECT %s, %s, %s, %s, CAST(s.record_id AS VARCHAR(20)), s.reported_name, %s, s.changes "  # noqa: S608
                f"FROM {STAGING} s WHERE s.upload_id = %s AND s.action = 'changed'"
            ),
            [now, actor_id, AuditAction.UPDATE, "enterprises.ledgerrecord", source, upload_id],
        )
    return {
        "created": created,
        "updated": updated,
        "enterprises_created": created_enterprises,
        "enterprises_updated": updated_enterprises,
    }
