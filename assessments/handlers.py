"""Job handlers of the evaluation (registered with ``reporting.jobs``; imported from ``assessments.tasks``).

Both are idempotent: a redelivered job recomputes the (unpublished) results from scratch and replaces its
own report files (one per job and format).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from programme.models import OrgUnit
from reporting.jobs import Progress, job_handler
from reporting.models import Job

from . import reports
from .models import Evaluation, Report, ReportKind
from .selectors import can_manage_evaluation
from .services import evaluation_compute

EVALUATION_RUN = "assessments.evaluation_run"
SUMMARY = "assessments.summary"


def _store(*, job: Job | None, kind: str, year: int, scope: OrgUnit, evaluation: Evaluation | None,
           file_format: str, name: str, content: bytes) -> Report:
    report = Report.objects.filter(job=job, file_format=file_format).first() if job else None
    if report is None:
        report = Report(job=job, file_format=file_format, kind=kind, programme_year_id=year, scope_unit=scope,
                        evaluation=evaluation)
    elif report.file:
        report.file.delete(save=False)
    report.file.save(name, ContentFile(content), save=False)
    report.save()
    return report


def build_score_reports(*, evaluation: Evaluation, job: Job | None = None) -> list[Report]:
    sheet = reports.score_sheet_data(evaluation=evaluation)
    base = f"{evaluation.programme_year_id}_evaluation_{evaluation.evaluator.code}"
    common: dict[str, Any] = {"job": job, "kind": ReportKind.SCORE_SHEET, "year": evaluation.programme_year_id,
                              "scope": evaluation.evaluator, "evaluation": evaluation}
    xlsx = _store(file_format="xlsx", name=f"{base}.xlsx", content=reports.score_sheet_xlsx(sheet), **common)
    pdf = _store(file_format="pdf", name=f"{base}.pdf", content=reports.score_sheet_pdf(sheet), **common)
    return [xlsx, pdf]


def build_summary_reports(*, year: int, scope: OrgUnit, job: Job | None = None) -> list[Report]:
    summary = reports.summary_data(year=year, scope=scope)
    base = f"{year}_summary_{scope.code}"
    common: dict[str, Any] = {"job": job, "kind": ReportKind.SUMMARY, "year": year, "scope": scope, "evaluation": None}
    return [
        _store(file_format="xlsx", name=f"{base}.xlsx", content=reports.summary_xlsx(summary), **common),
        _store(file_format="pdf", name=f"{base}.pdf", content=reports.summary_pdf(summary), **common),
    ]


def _set_output(job: Job, report: Report) -> None:
    Job.objects.filter(pk=job.pk).update(output=report.file.name)


@job_handler(EVALUATION_RUN)
def run_evaluation(job: Job, progress: Progress) -> dict[str, Any]:
    evaluation = Evaluation.objects.select_related("evaluator").get(pk=job.params["evaluation_id"])
    if not can_manage_evaluation(job.created_by, evaluation):
        raise PermissionDenied("not the evaluating unit")
    units = evaluation.evaluated_units().count()
    total = units + 6
    if not evaluation.is_published:
        evaluation_compute(actor=job.created_by, evaluation=evaluation,
                           progress=lambda done, steps: progress(min(done, units + 2), total))
    progress(units + 3, total)
    files = build_score_reports(evaluation=evaluation, job=job)
    progress(total, total)
    _set_output(job, files[0])
    return {"units": units, "reports": [r.pk for r in files]}


@job_handler(SUMMARY)
def run_summary(job: Job, progress: Progress) -> dict[str, Any]:
    scope = OrgUnit.objects.get(code=job.params["unit"])
    user = job.created_by
    if not (user.is_superuser or (user.org_unit is not None and scope.path.startswith(user.org_unit.path))):
        raise PermissionDenied("scope outside the user's unit")
    progress(1, 3)
    files = build_summary_reports(year=int(job.params["year"]), scope=scope, job=job)
    progress(3, 3)
    _set_output(job, files[0])
    return {"reports": [r.pk for r in files]}
