"""Every questionnaire aggregate for the 32 provincial units and the nation over 60,000 responses.

Runs on its own PostgreSQL database (``BENCH_DATABASE_URL``, default ``bench_quest``), which it creates,
migrates and fills in bulk on the first run (60,000 enterprises, ledger records and submitted
questionnaires). Prints the timings; the last line is one JSON object.

    .venv/bin/python benchmarks/questionnaire_aggregate.py
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_quest")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
RESPONSES = 60_000


def ensure_database() -> None:
    import psycopg

    name = URL.rsplit("/", 1)[1]
    admin = URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill() -> None:
    from django.core.management import call_command
    from django.db import connection

    from enterprises.models import Enterprise
    from enterprises.questionnaire.models import QuestionnaireVersion, Response
    from enterprises.questionnaire.seed import bulk_insert_responses, generate_responses, minimal_ledger_record
    from enterprises.questionnaire.services import questionnaire_defaults_load
    from enterprises.seed import make_uscc
    from programme.models import CertificationBody, OrgUnit, OrgUnitLevel

    call_command("migrate", verbosity=0)
    if Response.objects.filter(programme_year_id=2024, status="submitted").count() >= RESPONSES:
        return
    t0 = time.perf_counter()
    call_command("load_reference_data", verbosity=0)
    questionnaire_defaults_load()
    rng = random.Random(2024)
    districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT).order_by("code"))
    Enterprise.objects.bulk_create(
        [Enterprise(uscc=make_uscc(d.code, i), name=f"基准测试企业{i}", district=d)
         for i in range(1, RESPONSES + 1) for d in [districts[i % len(districts)]]],
        batch_size=5000, ignore_conflicts=True,
    )
    cb, _ = CertificationBody.objects.get_or_create(approval_number="CNCA-R-2002-001",
                                                    defaults={"name": "基准测试认证中心"})
    enterprises = list(Enterprise.objects.select_related("district").order_by("pk")[:RESPONSES])
    from enterprises.models import LedgerRecord

    LedgerRecord.objects.bulk_create(
        [minimal_ledger_record(enterprise=e, year=2024, certification_body_id=cb.pk) for e in enterprises],
        batch_size=5000, ignore_conflicts=True,
    )
    version = QuestionnaireVersion.objects.get(programme_year_id=2024)
    bulk_insert_responses(generate_responses(rng=rng, version=version, enterprise_ids=[e.pk for e in enterprises]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {RESPONSES} responses in {time.perf_counter() - t0:.1f}s")


def main() -> None:
    ensure_database()
    import django

    django.setup()
    fill()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from enterprises.questionnaire.models import Response
    from enterprises.questionnaire.selectors import aggregates_by_unit
    from programme.models import OrgUnit, OrgUnitLevel

    responses = Response.objects.filter(programme_year_id=2024, status="submitted").count()
    provinces = list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code"))
    country = OrgUnit.objects.get(code="000000")
    runs = []
    for _ in range(3):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = aggregates_by_unit(year=2024, units=[country, *provinces])
            nation, by_province = result["000000"], {p.code: result[p.code] for p in provinces}
            runs.append(time.perf_counter() - started)
    print(f"provinces: {len(by_province)}, queries per run: {len(ctx.captured_queries)}")
    print(f"nation: submitted {nation.submitted}/{nation.assisted}, revenue {nation.metric_changes['revenue']:.2f}%, "
          f"effect obvious {nation.effect_obvious_rate:.1f}%, maturity rose {nation.maturity_rose_rate:.1f}%")
    print("runs (s): " + ", ".join(f"{r:.3f}" for r in runs))
    print(json.dumps({"responses": responses, "seconds": round(runs[0], 3), "best_seconds": round(min(runs), 3),
                      "units": len(by_province) + 1, "queries": len(ctx.captured_queries)}))


if __name__ == "__main__":
    main()
