"""Jobs survive worker and broker faults on a REAL Celery worker (Redis + PostgreSQL) and run exactly once.

How a lost job comes back (see reporting/jobs.py):

* the whole worker is SIGKILLed (OOM killer, container killed): its task was delivered with ``acks_late`` and
  never acknowledged, but Redis only hands an unacknowledged message out again after the transport's
  ``visibility_timeout`` (two hours). What brings the job back in time is the stale-job sweeper (beat task
  ``sweep_stale_jobs``): once the job's heartbeat is older than ``JOB_STALE_SECONDS`` it queues the job
  again, a new worker claims it (``attempts`` + 1) and the handler redoes it idempotently. The old message,
  handed out again hours later, finds the job finished and does nothing;
* one prefork pool process is SIGKILLed: the worker notices (within a few seconds) and, as the task has
  ``reject_on_worker_lost``, puts the message back on the queue; a new pool process claims the job as soon as
  its heartbeat is stale (a task that finds the heartbeat still fresh retries later: "busy");
* Redis restarts without persistence: the running job is not touched (it only needs the database) and the
  messages of queued jobs are gone; the sweeper queues jobs still ``queued`` after ``JOB_STALE_SECONDS``.
  A job created while Redis is down is stored and picked up the same way.

Workers get ``JOB_PROGRESS_DELAY_SECONDS`` (each progress step sleeps, so a kill lands mid-job), a 2 s
``JOB_STALE_SECONDS`` and a 0.5 s heartbeat.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from assessments import services as assessment_services
from assessments.handlers import EVALUATION_RUN
from assessments.models import Evaluation, EvaluationStatus, Report, UnitResult
from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create
from enterprises.models import Enterprise, LedgerRecord, LedgerStagingRow, LedgerUpload, UploadStatus
from portal.models import AuditEvent
from programme.models import Deadline, DeadlineKind
from reporting.jobs import job_create
from reporting.models import Job, JobStatus
from reporting.tasks import run_job
from tests.assessments.factories import give_scores
from tests.enterprises.factories import csv_file_bytes, ledger_row
from tests.factories import cb_user, hq_user, unit

from .faults import Cluster

pytestmark = [pytest.mark.worker, pytest.mark.slow]

YEAR = 2024
ROWS = 5200  # one validation chunk (5,000 rows) and a bit: the job shows 5000/5201 in the middle
UNITS = 32  # provincial units HQ evaluates


def _job(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def _status(job_id: int) -> str:
    return str(Job.objects.filter(pk=job_id).values_list("status", flat=True).get())


def _open_ledger() -> None:
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.LEDGER).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )


def _evaluation(hq) -> Evaluation:
    evaluation = assessment_services.evaluation_ensure(actor=hq, year=YEAR, evaluator=unit("000000"))
    give_scores(evaluation, "120000", [90, 80])
    give_scores(evaluation, "130000", [70])
    return evaluation


def _assert_evaluation_done_once(job: Job, evaluation: Evaluation) -> None:
    assert job.status == JobStatus.DONE, job.error
    assert (job.progress, job.total) == (UNITS + 6, UNITS + 6)
    results = UnitResult.objects.filter(evaluation=evaluation)
    assert results.count() == UNITS  # recomputed, not added to what the killed attempt stored
    assert not results.values("unit").annotate(n=Count("pk")).filter(n__gt=1).exists()
    reports = Report.objects.filter(job=job)
    assert sorted(reports.values_list("file_format", flat=True)) == ["pdf", "xlsx"]
    for report in reports:
        assert Path(report.file.path).stat().st_size > 0
    assert job.output.name == reports.get(file_format="xlsx").file.name
    assert sorted(job.result["reports"]) == sorted(reports.values_list("pk", flat=True))
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.COMPUTED


def _assert_late_redelivery_is_harmless(faults: Cluster, job_ids: list[int], *, killed: int) -> None:
    """The killed workers' messages, handed out again once the visibility timeout passes, change nothing."""
    before = {pk: (j.status, j.attempts, j.finished_at) for pk, j in Job.objects.in_bulk(job_ids).items()}
    task_ids = faults.redeliver_unacked()
    # acks_late: each killed worker left its task unacknowledged in Redis (not lost, not redelivered yet).
    assert len(task_ids) == killed, faults.logs()
    faults.wait(lambda: all(faults.task_outcomes(t) for t in task_ids), what="the redelivered messages")
    assert {o for t in task_ids for o in faults.task_outcomes(t)} == {"skipped"}
    after = {pk: (j.status, j.attempts, j.finished_at) for pk, j in Job.objects.in_bulk(job_ids).items()}
    assert after == before


def test_ledger_import_survives_sigkill_of_the_worker_in_validation_and_in_commit(faults: Cluster):
    _open_ledger()
    user = cb_user()
    rows = [ledger_row() for _ in range(ROWS)]
    worker = faults.start_worker(delay=1.0)

    upload = ledger_upload_create(
        actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("台账.csv", csv_file_bytes(rows))
    )
    assert upload.job_id is not None
    validate_id = upload.job_id

    # 1. Killed while validating: 5,000 rows staged, the rest not read yet.
    left = faults.kill_mid_job(validate_id, worker.sigkill)
    assert (left["progress"], left["total"], left["attempts"]) == (5000, ROWS + 1, 1)
    assert LedgerUpload.objects.get(pk=upload.pk).status == UploadStatus.VALIDATING
    assert LedgerStagingRow.objects.filter(upload=upload).count() in {5000, ROWS}  # committed chunk by chunk

    worker = faults.start_worker(delay=1.0)
    faults.wait(lambda: _status(validate_id) == JobStatus.AWAITING, beat=True, what="validation to finish again")
    validate = _job(validate_id)
    assert validate.attempts == 2
    assert validate.result["counts"] == {"total": ROWS, "new": ROWS, "changed": 0, "unchanged": 0,
                                         "failed": 0, "warnings": 0}
    upload.refresh_from_db()
    assert (upload.status, upload.total_rows, upload.new_count) == (UploadStatus.READY, ROWS, ROWS)
    assert LedgerStagingRow.objects.filter(upload=upload).count() == ROWS  # the first attempt's rows were replaced
    assert LedgerRecord.objects.count() == 0

    # 2. Killed after the merge committed, before the job row said "done" (the riskiest moment).
    upload = ledger_upload_commit(actor=user, upload=upload)
    assert upload.commit_job_id is not None
    commit_id = upload.commit_job_id
    faults.kill_mid_job(
        commit_id,
        worker.sigkill,
        when=lambda _row: LedgerUpload.objects.filter(pk=upload.pk, status=UploadStatus.COMMITTED).exists(),
    )
    assert LedgerRecord.objects.count() == ROWS

    faults.start_worker()  # the redone commit only reads the stored result
    faults.wait(lambda: _status(commit_id) == JobStatus.DONE, beat=True, what="the commit job to finish")
    commit = _job(commit_id)
    assert commit.attempts == 2 and commit.error == ""
    assert (commit.result["created"], commit.result["updated"], commit.result["enterprises_created"]) == (
        ROWS, 0, ROWS
    )
    assert _status(validate_id) == JobStatus.DONE  # closed when the commit was requested

    # Exactly once: one record per natural key (CB × enterprise × year), one creation each in the audit trail.
    records = LedgerRecord.objects.filter(certification_body=user.certification_body, programme_year_id=YEAR)
    assert records.count() == ROWS
    duplicates = records.values("certification_body", "enterprise", "programme_year").annotate(n=Count("pk"))
    assert not duplicates.filter(n__gt=1).exists()
    assert Enterprise.objects.filter(uscc__in=[r["统一社会信用代码"] for r in rows]).count() == ROWS
    created = AuditEvent.objects.filter(object_type="enterprises.ledgerrecord", action="create",
                                        source=f"upload:{upload.pk}")
    assert created.count() == ROWS
    upload.refresh_from_db()
    assert upload.status == UploadStatus.COMMITTED and upload.staged_rows.count() == 0

    _assert_late_redelivery_is_harmless(faults, [validate_id, commit_id], killed=2)
    assert records.count() == ROWS and created.count() == ROWS


@pytest.mark.parametrize("victim", ["worker", "pool-process"])
def test_report_job_survives_sigkill(faults: Cluster, victim: str):
    hq = hq_user()
    evaluation = _evaluation(hq)
    pool = "solo" if victim == "worker" else "prefork"
    worker = faults.start_worker(delay=0.2, pool=pool)

    job = job_create(actor=hq, kind=EVALUATION_RUN, title="评估：故障测试", params={"evaluation_id": evaluation.pk})

    # Killed after the unit results were stored (step 34 of 38), while the score sheets are being written.
    if victim == "worker":
        kill = worker.sigkill
    else:
        (child,) = faults.pool_processes(worker)

        def kill() -> None:
            os.kill(child, signal.SIGKILL)

    left = faults.kill_mid_job(job.pk, kill, when=lambda row: UNITS + 2 <= row["progress"] < row["total"])
    assert left["attempts"] == 1
    assert UnitResult.objects.filter(evaluation=evaluation).count() == UNITS

    if victim == "worker":
        faults.start_worker(delay=0.2)
        faults.wait(lambda: _status(job.pk) == JobStatus.DONE, beat=True, what="the report job to finish")
    else:
        # No sweeper: the pool puts the message back itself and the parent worker starts a new pool process.
        faults.wait(lambda: _status(job.pk) == JobStatus.DONE, what="the report job to finish", timeout=40)
        assert worker.alive
        assert any("WorkerLostError" in line or "exited prematurely" in line for line in worker.lines)

    job.refresh_from_db()
    assert job.attempts == 2
    _assert_evaluation_done_once(job, evaluation)
    if victim == "worker":
        _assert_late_redelivery_is_harmless(faults, [job.pk], killed=1)


def test_jobs_complete_once_across_a_redis_restart(faults: Cluster):
    hq = hq_user()
    evaluation = _evaluation(hq)
    worker = faults.start_worker(delay=0.3)

    running = job_create(actor=hq, kind=EVALUATION_RUN, title="评估：Redis 重启",
                         params={"evaluation_id": evaluation.pk})
    queued = job_create(actor=hq, kind="integration.count", title="排队中的任务", params={"total": 4})

    faults.kill_mid_job(running.pk, faults.redis.kill)  # the queued job's message is lost with it
    assert _status(queued.pk) == JobStatus.QUEUED

    # Created while the broker is down: stored, and the user's request does not fail.
    with transaction.atomic():
        offline = job_create(actor=hq, kind="integration.count", title="Redis 停止时创建", params={"total": 3})
    assert _status(offline.pk) == JobStatus.QUEUED

    faults.redis.restart()
    broker = faults.redis.client(faults.db)
    assert broker.llen(faults.queue) == 0 and broker.hlen("unacked") == 0  # no message survived the restart
    faults.wait(
        lambda: {_status(pk) for pk in (running.pk, queued.pk, offline.pk)} == {JobStatus.DONE},
        beat=True,
        what="every job to finish after the restart",
    )
    assert worker.alive  # the worker reconnected by itself

    running.refresh_from_db()
    assert running.attempts == 1  # the restart did not make it run again
    _assert_evaluation_done_once(running, evaluation)
    for job, total in ((queued, 4), (offline, 3)):
        job.refresh_from_db()
        assert (job.attempts, job.result["sum"], job.progress) == (1, total * (total + 1) // 2, total)


def test_sweeper_requeues_stale_jobs_only(faults: Cluster):
    hq = hq_user()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    # Its worker died long ago and the broker lost the message.
    stuck = Job.objects.create(kind="integration.count", title="卡住的任务", params={"total": 10}, created_by=hq,
                               status=JobStatus.RUNNING, attempts=1, progress=4, total=10, started_at=long_ago,
                               heartbeat_at=long_ago)
    lost = Job.objects.create(kind="integration.count", title="丢失消息的任务", params={"total": 6}, created_by=hq)
    Job.objects.filter(pk=lost.pk).update(created_at=long_ago)
    # Running elsewhere, heartbeat fresh: left alone by the sweeper, and a duplicate delivery waits ("busy").
    alive = Job.objects.create(kind="integration.count", title="正在运行", params={"total": 5}, created_by=hq,
                               status=JobStatus.RUNNING, attempts=1, progress=2, total=5, started_at=timezone.now(),
                               heartbeat_at=timezone.now() + dt.timedelta(minutes=10))
    # Finished or waiting for the user: never touched.
    done = Job.objects.create(kind="integration.count", title="已完成", created_by=hq, status=JobStatus.DONE,
                              attempts=1, finished_at=long_ago)
    awaiting = Job.objects.create(kind="integration.count", title="待确认", created_by=hq,
                                  status=JobStatus.AWAITING, attempts=1, heartbeat_at=long_ago)
    Job.objects.filter(pk__in=[done.pk, awaiting.pk]).update(created_at=long_ago)

    worker = faults.start_worker()
    faults.beat()  # one sweep, as beat sends it
    faults.wait(lambda: {_status(stuck.pk), _status(lost.pk)} == {JobStatus.DONE}, what="the swept jobs")
    duplicate = run_job.delay(alive.pk)
    faults.wait(lambda: any(f"[{duplicate.id}] retry: Retry in" in line for line in worker.lines),
                what="the duplicate task to retry later")

    stuck.refresh_from_db()
    assert (stuck.attempts, stuck.progress, stuck.total, stuck.result["sum"]) == (2, 10, 10, 55)
    lost.refresh_from_db()
    assert (lost.attempts, lost.result["sum"]) == (1, 21)
    for job, status in ((alive, JobStatus.RUNNING), (done, JobStatus.DONE), (awaiting, JobStatus.AWAITING)):
        job.refresh_from_db()
        assert (job.status, job.attempts) == (status, 1)
    swept = [line for line in worker.lines if "re-queued" in line]
    assert len(swept) == 1, worker.log()
    assert sorted(int(n) for n in re.findall(r"\d+", swept[0].split("jobs:")[1])) == sorted([stuck.pk, lost.pk])


def test_validation_redone_after_the_upload_was_ready_waits_for_the_user(faults: Cluster):
    """The worker died between the upload becoming ready and the job row saying so: the job that the sweeper
    runs again must wait for the user's decision, like the first run would have, not end as done."""
    _open_ledger()
    user = cb_user()
    faults.start_worker()
    upload = ledger_upload_create(
        actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("台账.csv", csv_file_bytes([ledger_row()]))
    )
    faults.wait(lambda: _status(upload.job_id) == JobStatus.AWAITING, what="the validation")
    first = _job(upload.job_id).result

    long_ago = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=upload.job_id).update(status=JobStatus.RUNNING, heartbeat_at=long_ago, result={})
    faults.beat()
    faults.wait(lambda: _status(upload.job_id) != JobStatus.RUNNING, what="the sweeper to run the job again")

    job = _job(upload.job_id)
    assert (job.status, job.attempts) == (JobStatus.AWAITING, 2)
    assert job.result["counts"] == first["counts"]
    upload.refresh_from_db()
    assert upload.status == UploadStatus.READY and upload.staged_rows.count() == 1
