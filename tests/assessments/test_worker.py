"""A redelivered evaluation job (the worker died before the row said "done") redoes cleanly.

The real-worker path itself (Redis, ``acks_late``) is the generic ``reporting.tasks.run_job``, covered by
tests/integration; a second worker fixture here would compete with theirs for the Celery routing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments import services
from assessments.handlers import EVALUATION_RUN
from assessments.models import Report, UnitResult
from reporting.jobs import job_run
from reporting.models import Job, JobStatus
from tests.factories import hq_user, unit

from .factories import give_scores


def _evaluation_with_scores(hq):
    evaluation = services.evaluation_ensure(actor=hq, year=2024, evaluator=unit("000000"))
    give_scores(evaluation, "120000", [90, 80])
    give_scores(evaluation, "130000", [70])
    return evaluation


@pytest.mark.django_db
def test_redelivered_job_redoes_cleanly(monkeypatch):
    monkeypatch.setattr("assessments.services.figures_by_unit", lambda *, year, units: {})
    hq = hq_user()
    evaluation = _evaluation_with_scores(hq)
    # the task body, as the worker runs it (no broker needed here)
    job = Job.objects.create(kind=EVALUATION_RUN, title="评估", params={"evaluation_id": evaluation.pk}, created_by=hq)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    first = set(Report.objects.filter(job=job).values_list("pk", flat=True))
    # The worker died after the handler ran but before the row said "done": the broker redelivers.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING,
                                         heartbeat_at=timezone.now() - dt.timedelta(hours=2))
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert set(Report.objects.filter(job=job).values_list("pk", flat=True)) == first
    assert UnitResult.objects.filter(evaluation=evaluation).count() == 32
