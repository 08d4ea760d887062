"""Job handlers of the enterprises app (registered on import; the worker imports this module)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from reporting.jobs import Progress, job_handler
from reporting.models import Job

from .ledger.pipeline import commit_upload, upload_failed, validate_upload
from .models import LedgerUpload, UploadStatus

logger = logging.getLogger(__name__)


@job_handler("ledger_validate")
def ledger_validate_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    upload = LedgerUpload.objects.select_related("certification_body").get(pk=job.params["upload_id"])
    if upload.status == UploadStatus.READY:
        # Run again after the validation finished but before the job row said so (its worker died): the
        # upload still waits for the user's decision, and so does the job.
        return {"counts": upload.counts, "_status": "awaiting"}
    if upload.status != UploadStatus.VALIDATING:
        return {"skipped": upload.status}  # a redelivered task after the work was done
    try:
        return validate_upload(upload, progress)
    except Exception:
        # Not a refusal of the file (those are answered by validate_upload): a fault. The job fails (job_run
        # records it) and the upload does not wait for a validation that will never finish.
        logger.exception("ledger upload %s: validation failed", upload.pk)
        upload_failed(
            upload,
            was=UploadStatus.VALIDATING,
            message=_("校验时出错，本次上传未保存任何记录，请放弃后重新上传；如仍失败请联系管理员。"),
        )
        raise


@job_handler("ledger_commit")
def ledger_commit_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    upload = LedgerUpload.objects.select_related("certification_body").get(pk=job.params["upload_id"])
    if upload.status == UploadStatus.COMMITTED:
        return dict(upload.result)
    if upload.status != UploadStatus.COMMITTING:
        return {"skipped": upload.status}
    try:
        return commit_upload(upload, actor=job.created_by, progress=progress)
    except Exception:
        # The merge is one transaction: it was rolled back, nothing of the file is stored.
        logger.exception("ledger upload %s: commit failed", upload.pk)
        upload_failed(
            upload,
            was=UploadStatus.COMMITTING,
            message=_("入库时出错，本次上传未写入任何记录，请放弃后重新上传；如仍失败请联系管理员。"),
        )
        raise


@job_handler("ledger_export")
def ledger_export_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    from .ledger.exports import ledger_export

    return ledger_export(job, progress)


@job_handler("training_export")
def training_export_job(job: Job, progress: Progress) -> dict[str, Any] | None:
    from .training.exports import training_export

    return training_export(job, progress)
