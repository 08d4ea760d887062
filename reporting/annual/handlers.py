"""The annual report job (registered with ``reporting.jobs``; imported by ``setup.py``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from programme.models import OrgUnit
from reporting.jobs import Progress, job_handler
from reporting.models import Job

from .services import generate, scope_for

ANNUAL_REPORT = "reporting.annual_report"


@job_handler(ANNUAL_REPORT)
def run_annual_report(job: Job, progress: Progress) -> dict[str, Any]:
    scope = OrgUnit.objects.get(code=job.params["unit"])
    if scope_for(job.created_by).pk != scope.pk:
        raise PermissionDenied("the report of another unit")
    report = generate(actor=job.created_by, year=int(job.params["year"]), scope=scope, job=job, progress=progress)
    Job.objects.filter(pk=job.pk).update(output=report.docx.name)
    return {
        "report": report.pk,
        "placeholders": report.placeholders,
        "notes": report.notes,
        "links": [
            {"label": _("下载Word文档"), "url": reverse("annual:download", args=(report.pk, "docx"))},
            {"label": _("下载PDF"), "url": reverse("annual:download", args=(report.pk, "pdf"))},
        ],
    }
