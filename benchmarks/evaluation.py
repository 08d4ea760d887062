"""The annex-1 evaluation at national scale: compute 32 provincial units, write the XLSX and the PDF.

Runs on its own PostgreSQL database (``BENCH_DATABASE_URL``, default ``bench_eval``), created, migrated and
filled with ``seed_demo --scale national`` on the first run (60,000 enterprises, ledger records and
questionnaires). It then gives the questionnaire's year an HQ evaluation with five experts scoring every
expert item of all 32 units (bulk), and times:

- ``compute_s``: ``evaluation_compute`` — expert scores, the questionnaire aggregates of 60,000 responses,
  scoring, ranking and storing the results;
- ``xlsx_s``: the score sheet workbook (summary sheet + one per area + notes);
- ``pdf_s``: the ranked report PDF (chart, ranking, per-unit breakdown; CJK font embedded).

    .venv/bin/python benchmarks/evaluation.py

The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_eval")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def ensure_database() -> None:
    import psycopg

    name = URL.rsplit("/", 1)[1]
    admin = URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill() -> int:
    """National demo data once; returns the year that has questionnaire responses."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    if Enterprise.objects.count() < 50_000:
        t0 = time.perf_counter()
        call_command("seed_demo", "--scale", "national", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seeded national demo data in {time.perf_counter() - t0:.1f}s")
        with connection.cursor() as cursor:  # fresh bulk data: give the planner statistics
            cursor.execute("VACUUM ANALYZE")
    try:
        from enterprises.questionnaire.models import Response

        row = (Response.objects.values("programme_year_id").annotate(n=Count("pk")).order_by("-n").first())
        if row:
            return int(row["programme_year_id"])
    except ImportError:
        pass
    return 2024


def prepare(year: int):  # type: ignore[no-untyped-def]
    from assessments import services
    from assessments.models import Evaluation, ExpertAssignment, ExpertScore, IndicatorItem, Method
    from portal.models import User
    from programme.models import COUNTRY_CODE, OrgUnit

    country = OrgUnit.objects.get(code=COUNTRY_CODE)
    Evaluation.objects.filter(programme_year_id=year, evaluator=country).delete()
    evaluation = services.evaluation_ensure(actor=None, year=year, evaluator=country, source="seed")
    experts = list(User.objects.filter(username__startswith="expert0").order_by("username")[:5])
    units = list(evaluation.evaluated_units())
    ExpertAssignment.objects.bulk_create([ExpertAssignment(evaluation=evaluation, expert=e, unit=u)
                                          for u in units for e in experts])
    items = list(IndicatorItem.objects.filter(scheme__programme_year_id=year, method=Method.EXPERT))
    rng = random.Random(year)
    ExpertScore.objects.bulk_create([
        ExpertScore(assignment=a, item=i, score=Decimal(str(round(rng.uniform(60, 98), 1))), comment="基准")
        for a in ExpertAssignment.objects.filter(evaluation=evaluation) for i in items])
    return evaluation


def main() -> None:
    ensure_database()
    import django

    django.setup()
    year = fill()
    evaluation = prepare(year)

    from assessments import reports, services
    from assessments.models import UnitResult
    from assessments.services import evaluation_compute

    # Time the questionnaire selector's share of the compute (it is called once, inside the compute).
    spent: list[float] = []
    real_figures = services.figures_by_unit

    def timed_figures(**kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return real_figures(**kwargs)
        finally:
            spent.append(time.perf_counter() - t)

    services.figures_by_unit = timed_figures  # type: ignore[assignment]
    t0 = time.perf_counter()
    evaluation_compute(actor=None, evaluation=evaluation, source="seed")
    compute_s = time.perf_counter() - t0
    services.figures_by_unit = real_figures  # type: ignore[assignment]
    units = UnitResult.objects.filter(evaluation=evaluation).count()

    t0 = time.perf_counter()
    sheet = reports.score_sheet_data(evaluation=evaluation)
    xlsx = reports.score_sheet_xlsx(sheet)
    xlsx_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    pdf = reports.score_sheet_pdf(reports.score_sheet_data(evaluation=evaluation))
    pdf_s = time.perf_counter() - t0

    with_data = sum(1 for r in sheet.results if not any("questionnaire" in n for n in r.notes))
    print(f"year {year}: {units} units ({with_data} with questionnaire data); xlsx {len(xlsx):,} bytes, "
          f"pdf {len(pdf):,} bytes")
    print(f"compute: {compute_s:.3f}s, of which the questionnaire aggregates (enterprises.questionnaire."
          f"selectors.aggregates_by_unit over the year's responses): {sum(spent):.3f}s")
    print(json.dumps({"units": units, "compute_s": round(compute_s, 3), "xlsx_s": round(xlsx_s, 3),
                      "pdf_s": round(pdf_s, 3), "questionnaire_s": round(sum(spent), 3)}))


if __name__ == "__main__":
    main()
