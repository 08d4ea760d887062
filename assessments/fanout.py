"""The national report pack, fanned out over the workers.

HQ's national run produces, for a programme year, the summary (XLSX + PDF) of every provincial unit, the
national summary and — when HQ has computed it — the national score sheet, in one ZIP. Each provincial
unit is one Celery task (``pack_province_part``), sent as a group; the last part to finish assembles the
ZIP. Adding workers (``docker compose up --scale worker=N``) shortens the run (see
``benchmarks/national_reports.py``).

Robustness without a result backend: parts are written atomically to
``MEDIA_ROOT/jobs/pack-<job id>/`` and a part that exists is never redone; the join is "all part files
exist", checked by every part, and assembly is claimed under a row lock, so duplicates (redelivery after a
worker died, or the stale-job sweeper re-running the starter) are harmless. The job stays ``running``
while parts work; each finished part updates its progress and heartbeat.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

from celery import group, shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.services import role_of
from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel
from reporting.jobs import Progress, job_handler
from reporting.models import Job, JobStatus

from . import reports
from .models import Evaluation

NATIONAL_PACK = "assessments.national_pack"


def _parts_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / f"pack-{job_id}"


def _part_files(job_id: int, code: str) -> tuple[Path, Path]:
    base = _parts_dir(job_id) / code
    return base.with_suffix(".xlsx"), base.with_suffix(".pdf")


def _part_done(job_id: int, code: str) -> bool:
    return all(p.exists() for p in _part_files(job_id, code))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _province_codes() -> list[str]:
    return list(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).order_by("code").values_list("code", flat=True))


@job_handler(NATIONAL_PACK)
def start_national_pack(job: Job, progress: Progress) -> dict[str, Any]:
    if role_of(job.created_by) != "hq":
        raise PermissionDenied("only HQ runs the national pack")
    year = int(job.params["year"])
    codes = _province_codes()
    missing = [code for code in codes if not _part_done(job.pk, code)]
    Job.objects.filter(pk=job.pk).update(total=len(codes), progress=len(codes) - len(missing))
    if missing:
        # Sent after the handler returns the job to "running" (on commit), so parts never race the starter.
        transaction.on_commit(
            lambda: group(pack_province_part.s(job.pk, year, code) for code in missing).apply_async()
        )
    else:
        transaction.on_commit(lambda: pack_assemble(job_id=job.pk))
    return {"_status": JobStatus.RUNNING}


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(ConnectionError,), max_retries=3)
def pack_province_part(job_id: int, year: int, code: str) -> str:
    job = Job.objects.filter(pk=job_id).only("status").first()
    if job is None or job.status != JobStatus.RUNNING:
        return "skipped"
    if not _part_done(job_id, code):
        summary = reports.summary_data(year=year, scope=OrgUnit.objects.get(code=code))
        xlsx_path, pdf_path = _part_files(job_id, code)
        _write_atomically(xlsx_path, reports.summary_xlsx(summary))
        _write_atomically(pdf_path, reports.summary_pdf(summary))
    codes = _province_codes()
    done = sum(_part_done(job_id, c) for c in codes)
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress=done, heartbeat_at=timezone.now())
    if done == len(codes):
        pack_assemble(job_id=job_id)
    return "done"


def pack_assemble(*, job_id: int) -> None:
    """Zip the parts with the national summary (and score sheet); claimed once under a row lock."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.RUNNING:
            return
        year = int(job.params["year"])
        country = OrgUnit.objects.get(code=COUNTRY_CODE)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            national = reports.summary_data(year=year, scope=country)
            archive.writestr(f"{year}_全国工作情况汇总.xlsx", reports.summary_xlsx(national))
            archive.writestr(f"{year}_全国工作情况汇总.pdf", reports.summary_pdf(national))
            evaluation = Evaluation.objects.filter(programme_year_id=year, evaluator=country).first()
            if evaluation is not None and evaluation.computed_at is not None:
                sheet = reports.score_sheet_data(evaluation=evaluation)
                archive.writestr(f"{year}_省级单位工作成效评估.xlsx", reports.score_sheet_xlsx(sheet))
                archive.writestr(f"{year}_省级单位工作成效评估.pdf", reports.score_sheet_pdf(sheet))
            names = dict(OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).values_list("code", "name"))
            for code in _province_codes():
                for path in _part_files(job_id, code):
                    archive.write(path, f"省级单位/{code}_{names[code]}{path.suffix}")
        job.output.save(f"{year}_national_report_pack.zip", ContentFile(buffer.getvalue()), save=False)
        job.status, job.finished_at, job.progress = JobStatus.DONE, timezone.now(), job.total
        job.result = {**job.result, "files": len(_province_codes()) * 2 + 2}
        job.save(update_fields=["output", "status", "finished_at", "progress", "result"])
