import datetime as dt

import pytest
from django.utils import timezone

from reporting.jobs import _HANDLERS, job_handler, job_run, jobs_sweep_stale
from reporting.models import Job, JobStatus
from tests.factories import district_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_handler():
    calls = []

    @job_handler("test-count")
    def handler(job, progress):
        calls.append(job.pk)
        progress(5, 10)
        return {"rows": 10}

    yield calls
    _HANDLERS.pop("test-count")


def test_a_job_runs_once_and_records_its_outcome(counting_handler):
    job = Job.objects.create(kind="test-count", title="t", created_by=district_user())
    assert job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.result, job.attempts, job.percent) == (JobStatus.DONE, {"rows": 10}, 1, 100)
    # A redelivered task for a finished job is a no-op.
    assert job_run(job_id=job.pk) == "skipped"
    assert counting_handler == [job.pk]


def test_a_running_job_with_a_fresh_heartbeat_is_not_run_twice(counting_handler):
    job = Job.objects.create(kind="test-count", title="t", created_by=district_user(),
                             status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert job_run(job_id=job.pk) == "busy"
    assert counting_handler == []


def test_an_orphaned_job_is_claimed_again(counting_handler, settings):
    settings.JOB_STALE_SECONDS = 30
    job = Job.objects.create(kind="test-count", title="t", created_by=district_user(), status=JobStatus.RUNNING,
                             heartbeat_at=timezone.now() - dt.timedelta(minutes=5), attempts=1)
    assert job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2 and counting_handler == [job.pk]


def test_failures_are_recorded():
    @job_handler("test-fail")
    def handler(job, progress):
        raise ValueError("第3行：数据有误")

    try:
        job = Job.objects.create(kind="test-fail", title="t", created_by=district_user())
        assert job_run(job_id=job.pk) == "failed"
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "第3行" in job.error
    finally:
        _HANDLERS.pop("test-fail")


def test_sweeper_requeues_lost_and_orphaned_jobs(settings, monkeypatch):
    settings.JOB_STALE_SECONDS = 30
    queued = []
    monkeypatch.setattr("reporting.jobs.job_enqueue", lambda *, job_id: queued.append(job_id))
    user = district_user()
    old = timezone.now() - dt.timedelta(minutes=5)
    lost = Job.objects.create(kind="k", title="lost", created_by=user)
    Job.objects.filter(pk=lost.pk).update(created_at=old)
    orphan = Job.objects.create(kind="k", title="orphan", created_by=user, status=JobStatus.RUNNING, heartbeat_at=old)
    Job.objects.create(kind="k", title="fresh", created_by=user)
    Job.objects.create(kind="k", title="alive", created_by=user, status=JobStatus.RUNNING,
                       heartbeat_at=timezone.now())
    Job.objects.create(kind="k", title="done", created_by=user, status=JobStatus.DONE)
    assert sorted(jobs_sweep_stale()) == sorted([lost.pk, orphan.pk])
    assert sorted(queued) == sorted([lost.pk, orphan.pk])
