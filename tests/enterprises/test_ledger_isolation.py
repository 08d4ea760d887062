"""Who sees what: a CB only its own records and uploads; unit staff read their area; HQ all."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create
from enterprises.models import LedgerRecord, LedgerUpload, TrainingRecord
from reporting.models import Job
from tests.enterprises.factories import ledger_row, xlsx_bytes
from tests.factories import cb_user, district_user, enterprise_user, hq_user, province_user, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cbs(open_year, django_capture_on_commit_callbacks):
    a, b = cb_user(), cb_user()
    uploads = {}
    for user, district in ((a, "120113"), (b, "120114")):
        row = ledger_row(
            **{
                "统一社会信用代码": valid_uscc(district),
                "所在区县代码": district,
                "企业名称": f"{district}测试企业有限公司",
            }
        )
        with django_capture_on_commit_callbacks(execute=True):
            upload = ledger_upload_create(
                actor=user, year=2024, uploaded_file=SimpleUploadedFile("x.xlsx", xlsx_bytes([row, {"企业名称": "x"}]))
            )
        with django_capture_on_commit_callbacks(execute=True):
            ledger_upload_commit(actor=user, upload=upload)
        uploads[user.pk] = upload
    return a, b, uploads


def test_cb_a_cannot_open_cb_b_pages(two_cbs, login):
    a, b, uploads = two_cbs
    b_record = LedgerRecord.objects.get(certification_body=b.certification_body)
    b_upload = uploads[b.pk]
    client = login(a)
    for name in ("ledger_detail", "upload_detail", "upload_status", "upload_failed_rows"):
        pk = b_record.pk if name == "ledger_detail" else b_upload.pk
        assert client.get(reverse(f"enterprises:{name}", args=[pk])).status_code == 404, name
    for name in ("ledger_delete", "upload_commit", "upload_discard"):
        pk = b_record.pk if name == "ledger_delete" else b_upload.pk
        assert client.post(reverse(f"enterprises:{name}", args=[pk])).status_code == 404, name
    assert LedgerRecord.objects.filter(pk=b_record.pk).exists()
    listing = client.get(reverse("enterprises:ledger_list")).content.decode()
    assert "120113测试企业有限公司" in listing and "120114测试企业有限公司" not in listing
    uploads_page = client.get(reverse("enterprises:upload_list")).content.decode()
    assert reverse("enterprises:upload_detail", args=[b_upload.pk]) not in uploads_page


def test_cb_a_export_holds_only_its_own_records(two_cbs, login, django_capture_on_commit_callbacks):
    a, _b, _uploads = two_cbs
    with django_capture_on_commit_callbacks(execute=True):
        login(a).get(
            reverse("enterprises:ledger_list"), {"export": "xlsx", "cb": _b.certification_body.approval_number}
        )
        login(a).get(reverse("enterprises:ledger_list"), {"export": "xlsx"})
    first, second = Job.objects.filter(kind="ledger_export").order_by("pk")
    assert load_workbook(first.output.path).active.max_row == 1  # another CB's number as a filter: nothing
    rows = list(load_workbook(second.output.path).active.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [a.certification_body.approval_number]
    # Another user cannot download A's export.
    assert login(_b).get(reverse("reporting:job_download", args=[second.pk])).status_code == 404


def test_upload_always_files_for_the_uploader_cb(two_cbs):
    a, b, _uploads = two_cbs
    assert set(LedgerUpload.objects.filter(uploaded_by=a).values_list("certification_body", flat=True)) == {
        a.certification_body_id
    }
    assert LedgerRecord.objects.filter(certification_body=b.certification_body).count() == 1


def test_unit_staff_read_their_area_from_any_cb_and_cannot_change(two_cbs, login):
    _a, _b, _uploads = two_cbs
    record_113 = LedgerRecord.objects.get(enterprise__district__code="120113")
    record_114 = LedgerRecord.objects.get(enterprise__district__code="120114")
    beichen = login(district_user("120113"))
    assert beichen.get(reverse("enterprises:ledger_detail", args=[record_113.pk])).status_code == 200
    assert beichen.get(reverse("enterprises:ledger_detail", args=[record_114.pk])).status_code == 404
    beichen.post(reverse("enterprises:ledger_delete", args=[record_113.pk]))
    assert LedgerRecord.objects.filter(pk=record_113.pk).exists()
    assert beichen.get(reverse("enterprises:upload_list")).status_code == 404
    tianjin = login(province_user("120000"))
    page = tianjin.get(reverse("enterprises:ledger_list")).content.decode()
    assert "120113测试企业有限公司" in page and "120114测试企业有限公司" in page
    hebei = login(province_user("130000"))
    assert "测试企业有限公司" not in hebei.get(reverse("enterprises:ledger_list")).content.decode()
    hq = login(hq_user())
    assert hq.get(reverse("enterprises:ledger_detail", args=[record_114.pk])).status_code == 200
    assert login(enterprise_user()).get(reverse("enterprises:ledger_list")).status_code == 404


def test_record_history_is_visible_to_staff_in_scope(two_cbs, login):
    record = LedgerRecord.objects.get(enterprise__district__code="120113")
    page = login(district_user("120113")).get(reverse("enterprises:ledger_detail", args=[record.pk])).content.decode()
    assert f"upload:{record.last_upload_id}" in page and "新增" in page


def test_training_records_are_scoped(open_year, login):
    a, b = cb_user(), cb_user()
    client_a = login(a)
    response = client_a.post(
        reverse("enterprises:training_create"),
        {
            "programme_year": 2024,
            "held_on": "2024-08-01",
            "organiser": "北辰区市场监管局",
            "topic": "ISO 9001基础培训",
            "delivery": "offline",
            "enterprise_count": 30,
            "person_count": 85,
            "district_code": "120113",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert TrainingRecord.objects.get().certification_body == a.certification_body
    assert "ISO 9001基础培训" not in login(b).get(reverse("enterprises:training_list")).content.decode()
    assert (
        "ISO 9001基础培训" in login(district_user("120113")).get(reverse("enterprises:training_list")).content.decode()
    )
    assert (
        "ISO 9001基础培训"
        not in login(district_user("120114")).get(reverse("enterprises:training_list")).content.decode()
    )


def test_cb_dashboard_panel_counts_only_its_own_records(two_cbs, login):
    a, _b, _uploads = two_cbs
    page = login(a).get("/").content.decode()
    assert 'data-testid="ledger-panel"' in page and "台账记录（全部年度）" in page
    assert login(district_user("120113")).get("/").content.decode().count('data-testid="ledger-panel"') == 0
