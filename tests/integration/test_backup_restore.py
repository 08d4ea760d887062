"""`manage.py backup` then `manage.py restore` into a fresh database finds every record and every file."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from enterprises.models import Enterprise
from programme.models import OrgUnit
from reporting.models import Job
from tests.factories import EnterpriseFactory, district_user

from .conftest import _database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_database():
    source = _database_url()
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin_url = source.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield source.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_every_record_and_file(tmp_path, settings, fresh_database):
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.MEDIA_ROOT = tmp_path / "media"
    EnterpriseFactory.create_batch(25, district_code="120113")
    job = Job.objects.create(kind="export", title="导出", created_by=district_user())
    job.output.save("export.xlsx", ContentFile(b"PK\x03\x04 spreadsheet bytes"))

    call_command("backup", "--out", str(tmp_path / "backups"), "--database-url", _database_url(),
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    (backup_dir,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    call_command("restore", str(backup_dir), "--database-url", fresh_database, stdout=open("/dev/null", "w"))  # noqa: SIM115

    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM enterprises_enterprise").fetchone()[0] == Enterprise.objects.count()
        assert conn.execute("SELECT count(*) FROM programme_orgunit").fetchone()[0] == OrgUnit.objects.count()
        output = conn.execute("SELECT output FROM reporting_job WHERE id = %s", [job.pk]).fetchone()[0]
    assert (Path(settings.MEDIA_ROOT) / output).read_bytes() == b"PK\x03\x04 spreadsheet bytes"
