"""The national report pack fans out one task per provincial unit and assembles one ZIP, exactly once."""

import io
import zipfile

import pytest

from assessments.fanout import NATIONAL_PACK, pack_assemble, pack_province_part
from reporting.jobs import job_run
from reporting.models import Job, JobStatus
from tests.factories import hq_user, province_user

pytestmark = pytest.mark.django_db


def test_hq_gets_one_zip_with_every_provincial_unit(django_capture_on_commit_callbacks):
    job = Job.objects.create(kind=NATIONAL_PACK, title="pack", params={"year": 2024}, created_by=hq_user())
    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=job.pk) == "running"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.progress, job.total) == (32, 32)
    names = zipfile.ZipFile(io.BytesIO(job.output.read())).namelist()
    assert "2024_全国工作情况汇总.pdf" in names and "2024_全国工作情况汇总.xlsx" in names
    provincial = [n for n in names if n.startswith("省级单位/")]
    assert len(provincial) == 64
    assert "省级单位/120000_天津市.pdf" in provincial and "省级单位/660000_新疆生产建设兵团.xlsx" in provincial


def test_duplicate_parts_and_assembly_are_harmless(django_capture_on_commit_callbacks):
    job = Job.objects.create(kind=NATIONAL_PACK, title="pack", params={"year": 2024}, created_by=hq_user())
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    first_output = job.output.name
    # A redelivered part and a second assembly after the job is done change nothing.
    assert pack_province_part(job.pk, 2024, "120000") == "skipped"
    pack_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.output.name == first_output and job.status == JobStatus.DONE


def test_only_hq_runs_the_national_pack(client, login):
    login(province_user("120000"))
    assert client.post("/assessments/national-pack/", {"year": 2024}).status_code == 404
    job = Job.objects.create(kind=NATIONAL_PACK, title="pack", params={"year": 2024},
                             created_by=province_user("130000"))
    assert job_run(job_id=job.pk) == "failed"
