"""Jobs run on a real Celery worker process through Redis, end to end from ``job_create``."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from reporting.jobs import job_create
from reporting.models import Job, JobStatus
from tests.factories import hq_user

pytestmark = pytest.mark.worker


@pytest.fixture
def actor(worker):
    call_command("load_reference_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return hq_user()


def _finished(job: Job) -> bool:
    job.refresh_from_db()
    return job.status in {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}


def test_job_runs_on_the_worker_and_ends_done_with_progress(worker, actor, wait_until):
    job = job_create(actor=actor, kind="integration.count", title="集成测试：累加", params={"total": 40})

    wait_until(lambda: _finished(job), message=f"job still {job.status}; worker log:\n{worker.log}")

    assert job.status == JobStatus.DONE, job.error
    assert job.error == ""
    assert (job.progress, job.total) == (40, 40)
    assert job.percent == 100
    assert job.attempts == 1
    assert job.result["sum"] == 40 * 41 // 2  # 1 + 2 + ... + 40 = 820
    # It ran in the worker process, not eagerly in this one.
    assert job.result["worker_pid"] == worker.proc.pid != os.getpid()
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at <= job.finished_at
    assert any("Task reporting.tasks.run_job[" in line and "succeeded" in line for line in worker.lines)


def test_failing_handler_ends_failed_with_the_error_recorded(worker, actor, wait_until):
    job = job_create(actor=actor, kind="integration.fail", title="集成测试：失败", params={"row": 7})

    wait_until(lambda: _finished(job), message=f"job still {job.status}; worker log:\n{worker.log}")

    assert job.status == JobStatus.FAILED
    assert job.error == "第 7 行：数据无法处理"
    assert job.finished_at is not None
    assert job.progress == 1 and job.total == 4  # the progress reported before the failure is kept


def test_unknown_kind_fails_with_a_message(worker, actor, wait_until):
    job = job_create(actor=actor, kind="integration.nobody-handles-this", title="集成测试：未知类型")

    wait_until(lambda: _finished(job), message=f"job still {job.status}; worker log:\n{worker.log}")

    assert job.status == JobStatus.FAILED
    assert "integration.nobody-handles-this" in job.error


def test_two_jobs_queued_together_both_finish(worker, actor, wait_until):
    jobs = [
        job_create(actor=actor, kind="integration.count", title=f"集成测试 {n}", params={"total": n})
        for n in (3, 10)
    ]

    wait_until(lambda: all(_finished(job) for job in jobs), message=f"worker log:\n{worker.log}")

    assert [(job.status, job.result["sum"]) for job in jobs] == [(JobStatus.DONE, 6), (JobStatus.DONE, 55)]
