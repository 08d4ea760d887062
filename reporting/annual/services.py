"""Generate the annual report: the draft from the catalogue (``builder``), laid out as DOCX and PDF (``docx``,
``pdf``). One code path for the job (``handlers``) and the command (``manage.py annual_report``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from portal.models import User
from portal.roles import Role
from portal.services import role_of
from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel
from reporting.models import Job

from .builder import STEPS as BUILDER_STEPS
from .builder import build_draft
from .docx import draft_docx
from .draft import Draft
from .models import AnnualReport
from .pdf import draft_pdf

Progress = Callable[[int, int], None]
# Steps of a generation as the job's progress bar counts them: the builder's, then the DOCX, the PDF and the files.
WRITER_STEPS = 3


@dataclass
class Rendered:
    draft: Draft
    docx: bytes
    pdf: bytes


def scope_for(user: User) -> OrgUnit:
    """The unit whose report ``user`` drafts: the country for HQ, a provincial bureau's own unit. Anyone else may
    not draft one (a district's work is written up in its province's report)."""
    role = role_of(user)
    if role == Role.HQ:
        return OrgUnit.objects.get(code=COUNTRY_CODE)
    if role == Role.PROVINCE and user.org_unit is not None and user.org_unit.level == OrgUnitLevel.PROVINCE:
        return user.org_unit
    raise PermissionDenied("only HQ and provincial bureaus draft an annual report")


def render(*, year: int, scope: OrgUnit, progress: Progress | None = None) -> Rendered:
    """The draft of ``scope``'s report on ``year`` and its two files."""
    total = BUILDER_STEPS + WRITER_STEPS

    def step(done: int, _of: int = BUILDER_STEPS) -> None:  # the builder counts its own steps of the total
        if progress:
            progress(done, total)

    draft = build_draft(year=year, scope=scope, progress=step)
    docx = draft_docx(draft)
    step(BUILDER_STEPS + 1)
    pdf = draft_pdf(draft)
    step(BUILDER_STEPS + 2)
    return Rendered(draft=draft, docx=docx, pdf=pdf)


def generate(*, actor: User, year: int, scope: OrgUnit, job: Job | None = None,
             progress: Progress | None = None) -> AnnualReport:
    """Render and store one draft. Idempotent per job: a redelivered job replaces its own files."""
    rendered = render(year=year, scope=scope, progress=progress)
    with transaction.atomic():
        report = AnnualReport.objects.filter(job=job).first() if job else None
        if report is None:
            report = AnnualReport(job=job, programme_year_id=year, scope_unit=scope, created_by=actor)
        else:
            for old in (report.docx, report.pdf):
                if old:
                    old.delete(save=False)
        report.title = rendered.draft.title
        report.notes = list(rendered.draft.notes)
        report.placeholders = len(rendered.draft.placeholders())
        report.docx.save(report.filename("docx"), ContentFile(rendered.docx), save=False)
        report.pdf.save(report.filename("pdf"), ContentFile(rendered.pdf), save=False)
        report.save()
    return report
