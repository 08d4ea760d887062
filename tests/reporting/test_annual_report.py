"""The annual report end to end: the page, the job, the files and the command; every figure in the DOCX is the
catalogue's; another unit's drafts are a 404."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from assessments.models import SelfAssessment, SelfAssessmentStatus
from programme.models import OrgUnit
from reporting.annual.builder import build_draft
from reporting.annual.models import AnnualReport
from reporting.indicators import compute, indicator
from reporting.models import Job, JobStatus
from tests.factories import (
    CertificationBodyFactory,
    EnterpriseFactory,
    cb_user,
    district_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
    unit,
)
from tests.reporting.test_analytics import _ledger

pytestmark = pytest.mark.django_db

YEAR, LAST = 2023, 2022
INDEX = reverse("annual:index")
START = reverse("annual:start")


@pytest.fixture
def data():
    """Two years of ledger records and self-assessments in Tianjin and Hebei (Tianjin's districts too)."""
    cb1, cb2 = CertificationBodyFactory(name="认证甲"), CertificationBodyFactory(name="认证乙")
    tj = [EnterpriseFactory(district_code=c) for c in ("120113", "120113", "120114")]
    hb = EnterpriseFactory(district_code="130102")
    for e, cb in zip(tj, (cb1, cb2, cb2), strict=True):
        _ledger(cb, e, YEAR, fee=Decimal("3000"))
    _ledger(cb1, hb, YEAR, fee=Decimal("8000"))
    _ledger(cb1, tj[0], LAST)
    figures = {"120000": (40, 5, 3, Decimal("12000")), "130000": (70, 9, 4, Decimal("250000")),
               "120113": (6, 1, 0, Decimal("100")), "120114": (3, 0, 1, Decimal("0"))}
    for code, (policies, plan, credit, support) in figures.items():
        for year, factor in ((YEAR, 1), (LAST, 2)):
            SelfAssessment.objects.create(
                programme_year_id=year, unit=unit(code), status=SelfAssessmentStatus.SUBMITTED,
                incentive_policies=policies // factor, government_plan_policies=plan, credit_policies=credit,
                credit_support=support)
    return {"cb": cb1}


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Start a draft as the client's user; the job runs (eagerly) once the request's transaction commits."""

    def _run(client, year=YEAR) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(START, {"year": year})
        assert response.status_code == 302
        return Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))

    return _run


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_hq_drafts_the_national_report_as_a_job_and_downloads_both_files(data, login, run):
    client = login(hq_user())
    page = client.get(INDEX).content.decode()
    assert 'data-testid="annual-start"' in page and 'data-testid="annual-none"' in page
    job = run(client)
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == job.total > 1  # the progress bar counted steps
    report = AnnualReport.objects.get(job=job)
    assert report.scope_unit.code == "000000" and report.programme_year_id == YEAR
    detail = client.get(reverse("reporting:job_detail", args=(job.pk,))).content.decode()
    docx_url = reverse("annual:download", args=(report.pk, "docx"))
    assert docx_url in detail and reverse("annual:download", args=(report.pk, "pdf")) in detail
    docx = client.get(docx_url)
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(docx.streaming_content)
    assert zipfile.is_zipfile(io.BytesIO(content))
    pdf = b"".join(client.get(reverse("annual:download", args=(report.pk, "pdf"))).streaming_content)
    assert pdf.startswith(b"%PDF")
    assert f"{YEAR}年度" in _docx_text(content)
    assert 'data-testid="annual-report-' in client.get(INDEX).content.decode()


def test_every_figure_in_the_docx_is_the_catalogues(data, login, run):
    client = login(hq_user())
    job = run(client)
    report = AnnualReport.objects.get(job=job)
    text = _docx_text(report.docx.read())
    draft = build_draft(year=YEAR, scope=unit("000000"))
    numbers = list(draft.numbers())
    assert len(numbers) >= 20
    keys = {n.key for n in numbers}
    units = [OrgUnit.objects.get(code=c) for c in {n.unit_code for n in numbers}]
    table = compute(keys, units=units, years=sorted({n.year for n in numbers}))
    for n in numbers:
        value = table.get(n.key, n.unit_code, n.year)
        assert n.value == value, n
        # a figure written after a word of direction ("下降6.0%") is written without its sign
        assert n.text in (indicator(n.key).format(value), indicator(n.key).format(abs(value) if value else value)), n
        assert n.text in text, n
    # the figures the fixture set, as the seeds write them
    assert "110项" in text  # incentive policies: Tianjin 40 + Hebei 70
    assert indicator("sa_credit_support").format(Decimal("262000") * 10000) in text


def test_a_province_drafts_its_own_report_for_its_districts(data, login, run):
    client = login(province_user("120000"))
    job = run(client)
    assert job.status == JobStatus.DONE, job.error
    report = AnnualReport.objects.get(job=job)
    assert report.scope_unit.code == "120000"
    text = _docx_text(report.docx.read())
    assert "天津" in text and "河北" not in text


def test_another_unit_gets_nothing(data, login, run):
    tianjin = AnnualReport.objects.get(job=run(login(province_user("120000"))))
    hebei = login(province_user("130000"))
    for fmt in ("docx", "pdf"):
        assert hebei.get(reverse("annual:download", args=(tianjin.pk, fmt))).status_code == 404
    assert f"annual-report-{tianjin.pk}" not in hebei.get(INDEX).content.decode()
    # HQ sees a province's drafts (it is above it); nobody else below it does
    assert login(hq_user()).get(reverse("annual:download", args=(tianjin.pk, "docx"))).status_code == 200
    for user in (district_user("120113"), cb_user(data["cb"]), enterprise_user(), expert_user()):
        client = login(user)
        assert client.get(INDEX).status_code == 404
        assert client.post(START, {"year": YEAR}).status_code == 404
        assert client.get(reverse("annual:download", args=(tianjin.pk, "docx"))).status_code == 404


@pytest.mark.parametrize("year", ["", "abc", "1999", "2100"])
def test_a_year_that_is_not_a_programme_year_is_a_404(login, year):
    assert login(hq_user()).post(START, {"year": year}).status_code == 404


def test_unknown_format_is_a_404(data, login, run):
    report = AnnualReport.objects.get(job=run(login(hq_user())))
    assert login(hq_user()).get(reverse("annual:download", args=(report.pk, "exe"))).status_code == 404


def test_the_command_writes_both_files(data, tmp_path, capsys):
    call_command("annual_report", "--year", str(YEAR), "--out", str(tmp_path))
    docx, pdf = tmp_path / f"{YEAR}_annual_report_000000.docx", tmp_path / f"{YEAR}_annual_report_000000.pdf"
    assert zipfile.is_zipfile(docx) and pdf.read_bytes().startswith(b"%PDF")
    out = capsys.readouterr().out
    assert "figures from the catalogue" in out
    call_command("annual_report", "--year", str(YEAR), "--scope", "120000", "--out", str(tmp_path))
    assert (tmp_path / f"{YEAR}_annual_report_120000.docx").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "1999"], "not a programme year"),
    (["--year", "2023", "--scope", "120113"], "not the country"),
    (["--year", "2023", "--scope", "999999"], "not the country"),
])
def test_the_command_says_what_is_wrong(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("annual_report", *args, "--out", str(tmp_path))
