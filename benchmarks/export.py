"""The questionnaire export at national scale: time and peak memory of the real export job.

Uses the national data set (``benchmarks/national.py``: PostgreSQL ``bench_national``, seeded on the first
run) and exports, as HQ, every response of the year with the most responses (the seed has 59,999 submitted
questionnaires in its latest year). Each measurement runs in a fresh process, so its peak RSS is the
export's own:

- ``streaming``: the job as it runs in production (``reporting.jobs.job_run`` → ``export_responses``: a
  write-only workbook streamed to a temporary file, then copied to the job's output);
- ``in_memory`` (the baseline, skipped with ``--no-baseline``): the same rows written the way every export
  was written before, into an ordinary openpyxl workbook that holds every cell, saved to a ``BytesIO``.

    .venv/bin/python benchmarks/export.py [--no-baseline]

The last line is one JSON object: {"responses": ..., "seconds": ..., "peak_rss_mb": ...}, plus the baseline's
figures and the ratio of the peaks when it ran. The goal is a peak below 200 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import DEFAULT_URL, ROOT, configure, ensure_national

URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def export_year() -> int:
    from django.db.models import Count

    from enterprises.questionnaire.models import Response

    top = Response.objects.values("programme_year_id").annotate(n=Count("pk")).order_by("-n").first()
    if top is None:
        raise SystemExit("no questionnaire responses in the national data set")
    return int(top["programme_year_id"])


def run_streaming(year: int) -> dict[str, Any]:
    """The export job exactly as a worker runs it."""
    import enterprises.questionnaire.exports  # noqa: F401  (registers the job handler)
    from portal.models import User
    from reporting.jobs import job_run
    from reporting.models import Job, JobStatus

    hq = User.objects.get(username="hq")
    job = Job.objects.create(kind="questionnaire_export", title="bench", created_by=hq, params={"year": year})
    started = time.perf_counter()
    status = job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if status != JobStatus.DONE:
        raise SystemExit(f"export failed: {job.error}")
    size = job.output.size
    job.output.delete(save=False)
    Job.objects.filter(pk=job.pk).delete()
    return {"responses": job.result["rows"], "seconds": round(seconds, 1), "peak_rss_mb": peak_rss_mb(),
            "xlsx_mb": round(size / 1e6, 1)}


def run_in_memory(year: int) -> dict[str, Any]:
    """The same rows, written the way exports were before: an ordinary workbook holding every cell (each text
    cell string-typed), saved to memory and handed to storage as bytes."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from enterprises.questionnaire.exports import response_table
    from portal.models import User
    from reporting.xlsx import BORDER, CENTER, HEADER_FILL, HEADER_FONT

    started = time.perf_counter()
    headers, rows, _total = response_table(user=User.objects.get(username="hq"), year=year)
    wb = Workbook()
    ws: Any = wb.active
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, CENTER, BORDER
    count = 0
    for count, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=1 + count, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{1 + count}"
    buffer = io.BytesIO()
    wb.save(buffer)
    name = default_storage.save("bench/questionnaire-in-memory.xlsx", ContentFile(buffer.getvalue()))
    seconds = time.perf_counter() - started
    default_storage.delete(name)
    return {"responses": count, "seconds": round(seconds, 1), "peak_rss_mb": peak_rss_mb()}


def child(mode: str, year: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(year)], cwd=ROOT, env=os.environ,
        check=True, capture_output=True, text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{mode}: {result}")
    return result


def main() -> None:
    configure(URL)
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        import django

        django.setup()
        mode, year = sys.argv[2], int(sys.argv[3])
        print(json.dumps(run_streaming(year) if mode == "streaming" else run_in_memory(year)))
        return
    media = tempfile.TemporaryDirectory(prefix="bench-export-media-")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", media.name)  # the children write their files here
    ensure_national(URL)
    year = export_year()
    streaming = child("streaming", year)
    line: dict[str, Any] = {"responses": streaming["responses"], "seconds": streaming["seconds"],
                            "peak_rss_mb": streaming["peak_rss_mb"]}
    if "--no-baseline" not in sys.argv:
        baseline = child("in_memory", year)
        line.update({"in_memory_seconds": baseline["seconds"], "in_memory_peak_rss_mb": baseline["peak_rss_mb"],
                     "peak_ratio": round(baseline["peak_rss_mb"] / streaming["peak_rss_mb"], 1)})
    media.cleanup()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
