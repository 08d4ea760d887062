"""The programme's picture at national scale: every catalogue indicator for the nation and its 32 provincial units
over every programme year, uncached, and one map SVG.

Runs on the national data set with all years (``seed_demo --scale national``; its own database ``bench_analytics``
by default, seeded on the first run — see ``benchmarks/national.py``). Figures, each the median of ``ROUNDS`` runs
with the figures cache off:

- ``indicators_s``: ``reporting.indicators.compute`` of every indicator for 33 scopes × every year;
- ``per_source_s``: the same split by source (which one costs what);
- ``map_ms`` / ``province_map_ms``: one China map and one province-by-district map (Zhejiang) of a catalogue
  indicator with the geometry warm (``geometry_cold_s``: the first, cold build of the simplified geometry);
- ``report_s``: the national annual report drafted from the catalogue and written as DOCX and PDF
  (``reporting.annual.services.render``) for the last year with a published national evaluation, figures cache off;
- ``floor_s`` and ``ratio``: the baseline this run measures on the same machine — one ``GROUP BY`` pass over each
  source table (ledger, training, questionnaire responses, self-assessments) counting rows per year, the least any
  computation of these figures must read — and ``indicators_s`` as a multiple of it (machine noise cancels out).

Goals: ``indicators_s`` < 2 s, ``map_ms`` < 200 ms, ``report_s`` < 10 s. The last line is one JSON object::

    {"scopes": 33, "years": 7, "indicators": ..., "indicators_s": ..., "map_ms": ..., ...}

Run it (PostgreSQL on 127.0.0.1)::

    .venv/bin/python benchmarks/analytics.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python benchmarks/analytics.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import configure, ensure_national

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_analytics")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def timed(func: Callable[[], Any], rounds: int = ROUNDS) -> tuple[float, Any]:
    """Median seconds of ``rounds`` calls, and the last result."""
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    configure(URL)
    os.environ["FIGURES_CACHE_SECONDS"] = "0"
    ensure_national(URL)
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.FIGURES_CACHE_SECONDS = 0
    from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel, ProgrammeYear
    from reporting import indicators as ind
    from reporting.numbers import format_value

    current = timezone.localdate().year
    years = list(ProgrammeYear.objects.filter(year__lte=current).order_by("year").values_list("year", flat=True))
    units = [OrgUnit.objects.get(code=COUNTRY_CODE),
             *OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code")]
    keys = [i.key for i in ind.catalogue()]
    print(f"{len(units)} scopes × {len(years)} years ({years[0]}–{years[-1]}), {len(keys)} indicators")

    indicators_s, table = timed(lambda: ind.compute(keys, units=units, years=years))
    filled = sum(len(v) for v in table.values.values())
    print(f"every indicator: {indicators_s:.3f} s ({filled} values)")
    per_source: dict[str, float] = {}
    for source in ind.Source:
        source_keys = [i.key for i in ind.catalogue() if i.source == source]
        if source_keys:
            per_source[source.value] = round(timed(lambda k=source_keys: ind.compute(k, units=units,
                                                                                      years=years))[0], 3)
    print("per source (s): " + ", ".join(f"{k} {v}" for k, v in per_source.items()))

    def floor() -> None:
        with connection.cursor() as cur:
            for table_name in ("enterprises_ledgerrecord", "enterprises_trainingrecord", "questionnaire_response",
                               "assessments_selfassessment"):
                cur.execute(f"SELECT programme_year_id, COUNT(*) FROM {table_name} GROUP BY 1")
                cur.fetchall()

    floor_s, _ = timed(floor)
    print(f"floor (one GROUP BY pass over each source table): {floor_s:.3f} s")

    from reporting.maps import MapArea, china_map, map_geometry_ready, province_map

    started = time.perf_counter()
    map_geometry_ready()
    geometry_cold_s = time.perf_counter() - started
    key = "assisted_enterprises"
    indicator = ind.indicator(key)
    assert indicator is not None
    provinces = units[1:]
    values = ind.compute([key], units=provinces, years=[years[-1]])

    def national_map() -> str:
        areas = [MapArea(u.code, u.name, values.get(key, u.code, years[-1]),
                         indicator.format(values.get(key, u.code, years[-1]))) for u in provinces]
        return str(china_map(areas, title=f"{years[-1]}年{indicator.name}", legend_title=str(indicator.name),
                             fmt=lambda v: format_value(v, indicator.unit), no_data_label="无数据"))

    map_s, svg = timed(national_map, rounds=5)
    zhejiang = OrgUnit.objects.get(code="330000")
    districts = list(OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, path__startswith=zhejiang.path))

    def zhejiang_map() -> str:
        dv = ind.compute([key], units=districts, years=[years[-1]])
        areas = [MapArea(u.code, u.name, dv.get(key, u.code, years[-1]),
                         indicator.format(dv.get(key, u.code, years[-1]))) for u in districts]
        return str(province_map("330000", areas, title=f"{years[-1]}年浙江省{indicator.name}",
                                legend_title=str(indicator.name), fmt=lambda v: format_value(v, indicator.unit),
                                no_data_label="无数据"))

    province_s, province_svg = timed(zhejiang_map, rounds=5)
    print(f"China map: {map_s * 1000:.0f} ms ({len(svg) // 1024} kB); Zhejiang by district: "
          f"{province_s * 1000:.0f} ms ({len(province_svg) // 1024} kB, {len(districts)} districts, figures "
          f"included); geometry cold build {geometry_cold_s:.2f} s")
    from assessments.models import Evaluation, EvaluationStatus
    from reporting.annual.services import render

    published = (Evaluation.objects.filter(evaluator=units[0], status=EvaluationStatus.PUBLISHED)
                 .order_by("-programme_year_id").values_list("programme_year_id", flat=True).first())
    report_year = published or years[-2]
    report_s, rendered = timed(lambda: render(year=report_year, scope=units[0]), rounds=min(ROUNDS, 2))
    print(f"national annual report {report_year}: {report_s:.2f} s (DOCX {len(rendered.docx) // 1024} kB, PDF "
          f"{len(rendered.pdf) // 1024} kB, {sum(1 for _n in rendered.draft.numbers())} figures)")
    print(json.dumps({
        "scopes": len(units), "years": len(years), "indicators": len(keys),
        "indicators_s": round(indicators_s, 3), "per_source_s": per_source,
        "floor_s": round(floor_s, 3), "ratio": round(indicators_s / floor_s, 1) if floor_s else None,
        "map_ms": round(map_s * 1000, 1), "province_map_ms": round(province_s * 1000, 1),
        "geometry_cold_s": round(geometry_cold_s, 2), "report_year": report_year, "report_s": round(report_s, 2),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
