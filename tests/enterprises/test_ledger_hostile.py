"""Hostile files are refused (or neutralised) with a clear message, and nothing is stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.intake.files import UploadRejected, inspect_file
from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create
from enterprises.models import LedgerRecord, LedgerUpload, UploadStatus
from reporting.models import Job
from tests.enterprises.factories import csv_file_bytes, ledger_row, xlsx_bytes
from tests.factories import cb_user

pytestmark = pytest.mark.django_db


def post(client, content, name):
    return client.post(
        reverse("enterprises:upload_list"), {"year": 2024, "file": SimpleUploadedFile(name, content)}, follow=True
    )


def assert_nothing_stored():
    assert LedgerRecord.objects.count() == 0
    assert not Job.objects.filter(kind="ledger_validate").exists()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b"0" * (200 * 1024 * 1024) + b"</a>")
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing(open_year, login):
    content = zip_bomb()
    assert len(content) < 1024 * 1024  # 200 MB packed into a few hundred KB
    client = login(cb_user())
    page = post(client, content, "ledger.xlsx").content.decode()
    assert "压缩比异常" in page and "疑似压缩炸弹" in page
    upload = LedgerUpload.objects.get()
    assert upload.status == UploadStatus.REJECTED and not upload.file
    assert_nothing_stored()


def test_renamed_executable_is_refused_by_content(open_year, login):
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode." + b"\x00" * 400
    page = post(login(cb_user()), exe, "ledger.xlsx").content.decode()
    assert "可执行程序，不是表格" in page
    assert LedgerUpload.objects.get().status == UploadStatus.REJECTED
    assert_nothing_stored()


def test_a_pdf_named_csv_is_refused(open_year, login):
    page = post(
        login(cb_user()), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "ledger.csv"
    ).content.decode()
    assert "application/pdf" in page and "不是表格" in page
    assert_nothing_stored()


def test_oversized_file_is_refused_with_the_limit(open_year, login, settings):
    settings.LEDGER_UPLOAD_MAX_BYTES = 1024 * 1024
    page = post(login(cb_user()), b"a" * (2 * 1024 * 1024), "ledger.csv").content.decode()
    assert "文件过大" in page and "上限为 1 MB" in page
    assert LedgerUpload.objects.count() == 0
    assert_nothing_stored()


def test_xml_entity_attack_is_refused(open_year, tmp_path):
    content = xlsx_bytes([ledger_row()])
    source = zipfile.ZipFile(io.BytesIO(content))
    target = tmp_path / "xxe.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + body
            archive.writestr(item, data)
    with pytest.raises(UploadRejected) as excinfo:
        inspect_file(target)
    assert "不允许的XML声明" in str(excinfo.value)


def test_formula_injection_cell_is_refused_on_upload(open_year, django_capture_on_commit_callbacks):
    user = cb_user()
    row = ledger_row(**{"企业名称": "=cmd|' /C calc'!A0"})
    with django_capture_on_commit_callbacks(execute=True):
        upload = ledger_upload_create(
            actor=user, year=2024, uploaded_file=SimpleUploadedFile("x.csv", csv_file_bytes([row]))
        )
    upload.refresh_from_db()
    assert upload.failed_count == 1 and upload.new_count == 0
    assert "会被表格软件当作公式" in upload.errors[0]["message"]
    with pytest.raises(Exception):
        ledger_upload_commit(actor=user, upload=upload)
    assert LedgerRecord.objects.count() == 0
    # In an XLSX a formula cell is never evaluated: only its cached text is read (here none, so refused).
    with django_capture_on_commit_callbacks(execute=True):
        as_formula = ledger_upload_create(
            actor=user, year=2024, uploaded_file=SimpleUploadedFile("x.xlsx", xlsx_bytes([row]))
        )
    as_formula.refresh_from_db()
    assert as_formula.failed_count == 1 and as_formula.errors[0]["column"] == "企业名称"
    # The failed-rows file hands the value back as typed, in a string cell (never a formula).
    ws = load_workbook(upload.failed_file.path)["台账"]
    assert ws.cell(2, 4).value == "=cmd|' /C calc'!A0" and ws.cell(2, 4).data_type == "s"


def test_exports_neutralise_formula_injection(open_year, login, django_capture_on_commit_callbacks):
    user = cb_user()
    with django_capture_on_commit_callbacks(execute=True):
        upload = ledger_upload_create(
            actor=user,
            year=2024,
            uploaded_file=SimpleUploadedFile(
                "x.xlsx", xlsx_bytes([ledger_row(**{"备注": "正常备注", "试点区域": "北辰电动车"})])
            ),
        )
    with django_capture_on_commit_callbacks(execute=True):
        ledger_upload_commit(actor=user, upload=upload)
    LedgerRecord.objects.update(notes="@SUM(1+1)*cmd|' /C calc'!A0", pilot_region="+1-2")
    client = login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("enterprises:ledger_list"), {"export": "xlsx"})
    job = Job.objects.get(kind="ledger_export")
    assert response.url == reverse("reporting:job_detail", args=[job.pk])
    job.refresh_from_db()
    ws = load_workbook(job.output.path).active
    cells = {c.value: c.data_type for c in ws[2]}
    # Exactly as typed, in string cells: an XLSX string cell is never a formula.
    assert cells["@SUM(1+1)*cmd|' /C calc'!A0"] == "s" and cells["+1-2"] == "s"
    assert all(c.data_type != "f" for c in ws[2])
