"""Long work as jobs: a status row the UI polls, and one thin Celery task that runs a registered handler.

A handler is ``handler(job, progress)``; ``progress(done, total)`` updates the row (throttled). Handlers must
be idempotent: a job may run again from the start when its worker died.

Delivery is at-least-once (``acks_late`` + ``reject_on_worker_lost``, and a sweeper that re-queues lost
jobs), execution is exactly-once per job: a task may only *claim* a job that is queued, or running with a
heartbeat older than ``JOB_STALE_SECONDS`` (its worker is gone). While a handler runs, a heartbeat thread
touches the row every ``JOB_HEARTBEAT_SECONDS``. A task that finds the job running elsewhere with a fresh
heartbeat asks to be retried later instead of running it twice. A job created while the broker is unreachable
stays queued (the request that created it does not fail) until the sweeper sends it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from .models import Job, JobStatus
from .xlsx import new_workbook, workbook_file, write_table

if TYPE_CHECKING:
    from portal.models import User

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], dict[str, Any] | None]

_HANDLERS: dict[str, Handler] = {}


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "JOB_STALE_SECONDS", 60))


def heartbeat_every() -> float:
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 10))


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


def job_output_table(
    job: Job,
    progress: Progress,
    *,
    filename: str,
    sheet: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    total: int,
    every: int = 1000,
) -> int:
    """Stream ``rows`` as one table into a write-only XLSX and store it as the job's output; report progress
    every ``every`` rows and at the end. Returns the number of rows written."""

    def counted() -> Iterator[Sequence[Any]]:
        for done, row in enumerate(rows, start=1):
            yield row
            if done % every == 0:
                progress(done, total)

    wb = new_workbook()
    count = write_table(wb.create_sheet(sheet), headers, counted())
    with workbook_file(wb) as content:
        job.output.save(filename, content, save=False)
    Job.objects.filter(pk=job.pk).update(output=job.output.name)  # job_run re-reads the row before saving
    progress(total, total)
    return count


def job_create(*, actor: User, kind: str, title: str, params: dict[str, Any] | None = None) -> Job:
    """Create the status row and queue the task once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor)
    transaction.on_commit(lambda: job_enqueue(job_id=job.pk))
    return job


def job_enqueue(*, job_id: int) -> bool:
    """Send the job's task. With the broker unreachable the job stays queued and the stale-job sweeper sends it
    again later: the caller (a web request, after its transaction committed) must not fail for that."""
    from .tasks import run_job

    try:
        run_job.delay(job_id)
    except BrokerUnavailable as exc:
        logger.warning("job %s stays queued: the broker is unreachable (%s)", job_id, exc)
        return False
    return True


def _progress_updater(job_id: int) -> Progress:
    last = [0.0]
    # Fault-injection knob for the worker-crash tests: slow every progress step down so that a worker can be
    # killed in the middle of a job. Zero (off) unless JOB_PROGRESS_DELAY_SECONDS is set in the environment.
    delay = float(getattr(settings, "JOB_PROGRESS_DELAY_SECONDS", 0))

    def update(done: int, total: int) -> None:
        if delay:
            time.sleep(delay)
        now = time.monotonic()
        if now - last[0] < 0.3 and done < total:
            return
        last[0] = now
        Job.objects.filter(pk=job_id).update(progress=min(done, total), total=total, heartbeat_at=timezone.now())

    return update


class _Heartbeat:
    """Touch the job row periodically from a side thread while a long step runs."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.wait(heartbeat_every()):
                Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        if not connection.in_atomic_block:  # a side thread cannot see an uncommitted row (tests, eager)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def claimable(now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after())


def job_run(*, job_id: int) -> str:
    """Claim and run a job. Returns "done", "failed", "awaiting", "skipped" (finished or gone) or "busy"
    (running elsewhere with a fresh heartbeat: the caller should retry later)."""
    now = timezone.now()
    claimed = Job.objects.filter(claimable(now), pk=job_id).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    if not claimed:
        current = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return "busy" if current == JobStatus.RUNNING else "skipped"
    job = Job.objects.get(pk=job_id)
    handler = _HANDLERS.get(job.kind)
    if handler is None:
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=f"unknown job kind {job.kind}",
                                             finished_at=timezone.now())
        return "failed"
    try:
        with _Heartbeat(job_id):
            result = handler(job, _progress_updater(job_id)) or {}
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=str(exc)[:2000],
                                             finished_at=timezone.now())
        return "failed"
    final = result.pop("_status", JobStatus.DONE)
    if final == JobStatus.RUNNING:
        # The handler handed the work to other tasks (a fan-out); the last of them finishes the job.
        return str(final)
    job.refresh_from_db()
    if job.is_finished:
        return str(job.status)
    job.result = {**job.result, **result}
    job.status = final
    if final != JobStatus.AWAITING:
        job.finished_at = timezone.now()
    if job.total and final == JobStatus.DONE:
        job.progress = job.total
    job.save(update_fields=["result", "status", "finished_at", "progress"])
    return str(final)


def jobs_sweep_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Re-queue jobs whose task was lost: queued for longer than the stale delay (e.g. the broker restarted
    without persistence) or running with a stale heartbeat (the worker died). Double delivery is harmless:
    only one task can claim a job."""
    now = now or timezone.now()
    lost = Job.objects.filter(
        Q(status=JobStatus.QUEUED, created_at__lt=now - stale_after())
        | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after())
    ).values_list("pk", flat=True)
    ids = list(lost)
    for job_id in ids:
        job_enqueue(job_id=job_id)
    if ids:
        logger.warning("re-queued %d stale jobs: %s", len(ids), ids)
    return ids
