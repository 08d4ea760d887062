"""Job handlers of the enterprises app (registered on import; the worker imports this module)."""

from __future__ import annotations

from typing import Any

from reporting.jobs import Progress, job_handler
from reporting.models import Job

from .ledger.pipeline import commit_upload, validate_upload
from .models import LedgerUpload, UploadStatus


@job_handler("ledger_validate")
def ledger_validate_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    upload = LedgerUpload.objects.select_related("certification_body").get(pk=job.params["upload_id"])
    if upload.status == UploadStatus.READY:
        # Run again after the validation finished but before the job row said so (its worker died): the
        # upload still waits for the user's decision, and so does the job.
        return {"counts": upload.counts, "_status": "awaiting"}
    if upload.status != UploadStatus.VALIDATING:
        return {"skipped": upload.status}  # a redelivered task after the work was done
    return validate_upload(upload, progress)


@job_handler("ledger_commit")
def ledger_commit_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    upload = LedgerUpload.objects.select_related("certification_body").get(pk=job.params["upload_id"])
    if upload.status == UploadStatus.COMMITTED:
        return dict(upload.result)
    if upload.status != UploadStatus.COMMITTING:
        return {"skipped": upload.status}
    return commit_upload(upload, actor=job.created_by, progress=progress)


@job_handler("ledger_export")
def ledger_export_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    from .ledger.exports import ledger_export

    return ledger_export(job, progress)


@job_handler("training_export")
def training_export_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    from .training.exports import training_export

    return training_export(job, progress)
