"""The smoke suite: one pass through every library the portal leans on — imports, migrations, system checks,
static files, one PDF, one ledger upload, the pages behind the middleware, the API schema and one message
through the Redis broker.

`make test-lowest` runs it in a virtualenv holding the lowest versions `pyproject.toml` allows (on SQLite and on
PostgreSQL, Celery eager), so a floor that cannot run the code fails there. `make test` leaves it out
(`-m "not smoke"`): the full suite covers the same paths on the locked versions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import pkgutil
import re
import sqlite3
import subprocess
import sys
import tomllib
import uuid
from importlib.metadata import version
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from packaging.requirements import Requirement
from packaging.version import Version
from pypdf import PdfReader

from enterprises.ledger.columns import HEADERS
from enterprises.models import LedgerRecord, LedgerUpload, UploadStatus
from portal.celery import app as celery_app
from programme.models import Deadline, DeadlineKind
from reporting.models import Job
from reporting.pdf import render_pdf
from tests.enterprises.factories import csv_file_bytes, ledger_row, xlsx_bytes
from tests.factories import cb_user, hq_user

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke

APPS = ["portal", "programme", "enterprises", "assessments", "reporting"]


def _modules() -> list[str]:
    names = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            # Settings modules are loaded by Django itself (production refuses to load without its secret);
            # migrations by `migrate` below.
            if info.name.startswith("portal.settings") or ".migrations" in info.name:
                continue
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_every_module_imports(name):
    importlib.import_module(name)


def _manage(*args: str, database: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.test", DATABASE_URL=f"sqlite:///{database}")
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_migrations_run_on_an_empty_sqlite_database_and_match_the_models(tmp_path):
    database = tmp_path / "empty.sqlite3"
    _manage("migrate", "--noinput", "-v0", database=database)
    _manage("makemigrations", "--check", "--dry-run", "-v0", database=database)
    _manage("check", "--fail-level", "WARNING", database=database)
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"portal_user", "programme_orgunit", "enterprises_ledgerrecord", "reporting_job", "axes_accessattempt",
            "authtoken_token"} <= tables


def test_every_static_file_a_template_names_is_found():
    names = set()
    for template in (ROOT / "templates").rglob("*.html"):
        names |= set(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]""", template.read_text(encoding="utf-8")))
    assert "django_htmx/htmx-2.min.js" in names
    assert [name for name in names if not finders.find(name)] == []


def test_a_pdf_renders_with_chinese_text():
    summary = {
        "year": 2024,
        "scope": {"parent_id": None, "name": "全国"},
        "paragraph": "各地区完成帮扶企业一千家。",
        "figures": [{"label": "帮扶企业", "value": 1000, "unit": "家", "source": "帮扶台账"}],
        "missing": [],
    }
    pdf = render_pdf("assessments/pdf/summary.html", {"summary": summary})
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "2024" in text and "工作情况汇总" in text and "帮扶企业" in text


@pytest.fixture
def open_ledger(db):
    Deadline.objects.filter(programme_year_id=2024, kind=DeadlineKind.LEDGER).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )


def test_a_ledger_upload_runs_end_to_end(open_ledger, login, django_capture_on_commit_callbacks):
    user = cb_user()
    client = login(user)
    template = client.get(reverse("enterprises:template_download", args=[2024, "xlsx"]))
    assert [cell.value for cell in load_workbook(io.BytesIO(template.content))["台账"][1]] == HEADERS

    rows = [ledger_row(), ledger_row(**{"行业": "?"})]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:upload_list"),
                               {"year": 2024, "file": SimpleUploadedFile("ledger.xlsx", xlsx_bytes(rows))})
    upload = LedgerUpload.objects.get()
    assert response.status_code == 302 and response.url == reverse("enterprises:upload_detail", args=[upload.pk])
    assert Job.objects.get(pk=upload.job_id).status == "awaiting"
    page = client.get(response.url).content.decode()
    assert 'data-testid="count-new">1<' in page and "“行业”只能填写" in page
    status = client.get(reverse("enterprises:upload_status", args=[upload.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"  # django-htmx saw the htmx request

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:upload_commit", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.COMMITTED
    record = LedgerRecord.objects.get()
    assert record.source == f"upload:{upload.pk}"

    # The same rows as a GBK CSV (the other reader) change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:upload_list"),
                    {"year": 2024, "file": SimpleUploadedFile("ledger.csv", csv_file_bytes(rows[:1], "gbk"))})
    again = LedgerUpload.objects.latest("pk")
    assert (again.status, again.unchanged_count, again.failed_count) == (UploadStatus.READY, 1, 0)


def test_pages_render_through_the_middleware(db, client, login):
    login_page = client.get(reverse("login"))
    assert login_page.status_code == 200 and "登录" in login_page.content.decode()
    assert "Content-Security-Policy" in login_page
    dashboard = login(hq_user()).get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert 'data-testid="dashboard-title"' in dashboard.content.decode()
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_openapi_schema_is_generated(db, login):
    response = login(hq_user()).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["paths"]


def test_a_message_goes_through_the_redis_broker(settings):
    """Jobs run eagerly here, so send one message through the transport the worker uses (kombu on redis-py)."""
    url = settings.CELERY_BROKER_URL
    assert url.startswith("redis://"), "set CELERY_BROKER_URL to a Redis URL (make test-lowest does)"
    with celery_app.connection_for_write(url) as connection:
        queue = connection.SimpleQueue(f"smoke-{uuid.uuid4().hex[:12]}")
        try:
            queue.put({"job": 1})
            message = queue.get(timeout=10)
            message.ack()
            assert message.payload == {"job": 1}
        finally:
            queue.queue.delete()
            queue.close()


@pytest.mark.skipif(not os.environ.get("SMOKE_LOWEST_VERSIONS"), reason="only in make test-lowest's virtualenv")
def test_the_installed_versions_are_the_floors():
    """A floor no resolver can pick (a yanked release, a dependency that needs more) is not a floor."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(line) for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]
    above = {}
    for requirement in requirements:
        floor = next(spec.version for spec in requirement.specifier if spec.operator == ">=")
        if Version(version(requirement.name)) != Version(floor):
            above[requirement.name] = f"floor {floor}, installed {version(requirement.name)}"
    assert above == {}
