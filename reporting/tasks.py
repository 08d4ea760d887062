from celery import shared_task

from .jobs import job_run, jobs_sweep_stale, stale_after


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_job(self, job_id: int) -> str:  # type: ignore[no-untyped-def]
    """Thin wrapper: claim and run one job; if another worker is running it, look again later."""
    outcome = job_run(job_id=job_id)
    if outcome == "busy" and not self.request.is_eager:
        raise self.retry(countdown=stale_after().total_seconds(), max_retries=30)
    return outcome


@shared_task(acks_late=True)
def sweep_stale_jobs() -> int:
    return len(jobs_sweep_stale())

