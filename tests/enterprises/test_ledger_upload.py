"""The upload flow: validate as a job → preview → commit or discard; re-upload; corrections; CSV encodings;
failed-rows file; registry updates and discrepancies; audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.ledger.columns import ERROR_HEADER, HEADERS
from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create, ledger_upload_discard
from enterprises.models import (
    DiscrepancyStatus,
    Enterprise,
    EnterpriseDiscrepancy,
    LedgerRecord,
    LedgerUpload,
    SizeClass,
    UploadStatus,
)
from enterprises.registry.services import discrepancy_settle
from portal.models import AuditEvent
from reporting.models import Job
from tests.enterprises.factories import csv_file_bytes, ledger_row, xlsx_bytes
from tests.factories import cb_user, district_user, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run the jobs it queues (as the worker would)."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
        if isinstance(result, LedgerUpload):
            result.refresh_from_db()
        return result

    return _run


def upload(run, user, content, name="ledger.xlsx"):
    return run(ledger_upload_create, actor=user, year=2024, uploaded_file=SimpleUploadedFile(name, content))


def test_preview_commit_and_reupload(open_year, run):
    user = cb_user()
    rows = [ledger_row() for _ in range(4)]
    rows[1]["解决质量问题（个）"] = 9  # bad
    first = upload(run, user, xlsx_bytes(rows))
    assert first.status == UploadStatus.READY
    assert (first.total_rows, first.new_count, first.changed_count, first.unchanged_count, first.failed_count) == (
        4,
        3,
        0,
        0,
        1,
    )
    assert [(e["row"], e["column"]) for e in first.errors] == [(3, "解决质量问题（个）")]
    assert LedgerRecord.objects.count() == 0  # nothing stored before the user decides
    assert Job.objects.get(pk=first.job_id).status == "awaiting"

    committed = run(ledger_upload_commit, actor=user, upload=first)
    committed.refresh_from_db()
    assert committed.status == UploadStatus.COMMITTED
    assert committed.result["created"] == 3
    assert LedgerRecord.objects.filter(certification_body=user.certification_body).count() == 3
    assert Enterprise.objects.filter(uscc__in=[r["统一社会信用代码"] for r in rows]).count() == 3

    again = upload(run, user, xlsx_bytes(rows))
    assert (again.new_count, again.changed_count, again.unchanged_count, again.failed_count) == (0, 0, 3, 1)
    assert again.staged_rows.count() == 0  # unchanged rows leave the commit nothing to write
    run(ledger_upload_commit, actor=user, upload=again)
    assert LedgerRecord.objects.count() == 3

    rows[1]["解决质量问题（个）"] = 2  # fixed
    rows[0]["参与专家（人）"] = 7  # corrected
    corrected = upload(run, user, xlsx_bytes(rows))
    assert (corrected.new_count, corrected.changed_count, corrected.unchanged_count, corrected.failed_count) == (
        1,
        1,
        2,
        0,
    )
    assert corrected.staged_rows.count() == 2  # the new and the changed record
    run(ledger_upload_commit, actor=user, upload=corrected)
    record = LedgerRecord.objects.get(enterprise__uscc=rows[0]["统一社会信用代码"])
    assert record.experts_count == 7 and record.source == f"upload:{corrected.pk}"
    events = AuditEvent.objects.filter(object_type="enterprises.ledgerrecord", object_id=str(record.pk))
    assert sorted(events.values_list("action", "source")) == [
        ("create", f"upload:{first.pk}"),
        ("update", f"upload:{corrected.pk}"),
    ]
    update = events.get(action="update")
    assert update.actor == user and update.changes["fields"]["experts_count"] == [2, 7]
    assert LedgerUpload.objects.filter(certification_body=user.certification_body).count() == 3  # history


def test_discard_stores_nothing(open_year, run):
    user = cb_user()
    pending = upload(run, user, xlsx_bytes([ledger_row()]))
    run(ledger_upload_discard, actor=user, upload=pending)
    pending.refresh_from_db()
    assert pending.status == UploadStatus.DISCARDED
    assert LedgerRecord.objects.count() == 0 and pending.staged_rows.count() == 0


def test_failed_rows_file_can_be_fixed_and_uploaded_again(open_year, run, login):
    user = cb_user()
    rows = [ledger_row(), ledger_row(**{"开始日期": "2023-05-01"})]
    first = upload(run, user, xlsx_bytes(rows))
    response = login(user).get(reverse("enterprises:upload_failed_rows", args=[first.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb["台账"]
    header = [c.value for c in ws[1]]
    assert header[: len(HEADERS)] == HEADERS and header[-1] == ERROR_HEADER
    assert ws.max_row == 2
    assert "第3行" in ws.cell(2, len(header)).value and "不在2024年度内" in ws.cell(2, len(header)).value
    ws.cell(2, HEADERS.index("开始日期") + 1).value = "2024-05-01"
    buffer = io.BytesIO()
    wb.save(buffer)
    fixed = upload(run, user, buffer.getvalue())
    assert (fixed.new_count, fixed.failed_count) == (1, 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(open_year, run, encoding):
    user = cb_user()
    item = upload(run, user, csv_file_bytes([ledger_row(), ledger_row()], encoding), name="台账.csv")
    assert item.file_format == "csv"
    assert (item.status, item.new_count, item.failed_count) == (UploadStatus.READY, 2, 0)
    run(ledger_upload_commit, actor=user, upload=item)
    assert LedgerRecord.objects.filter(reported_name="天津北辰测试电动车有限公司").count() == 2


def test_a_second_cb_reporting_different_details_raises_a_discrepancy(open_year, run):
    uscc = valid_uscc("120113")
    first_cb, second_cb = cb_user(), cb_user()
    run(
        ledger_upload_commit,
        actor=first_cb,
        upload=upload(run, first_cb, xlsx_bytes([ledger_row(**{"统一社会信用代码": uscc})])),
    )
    other = ledger_row(
        **{
            "统一社会信用代码": uscc,
            "企业名称": "北辰另一个名称有限公司",
            "所在区县代码": "120114",
            "从业人员（人）": 500,
            "营业收入（万元）": 50000,
        }
    )
    second = upload(run, second_cb, xlsx_bytes([other]))
    run(ledger_upload_commit, actor=second_cb, upload=second)
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert enterprise.name == "天津北辰测试电动车有限公司" and enterprise.district.code == "120113"  # not overwritten
    found = {d.field: (d.registry_value, d.reported_value) for d in EnterpriseDiscrepancy.objects.all()}
    assert found == {
        "name": ("天津北辰测试电动车有限公司", "北辰另一个名称有限公司"),
        "district": ("120113", "120114"),
        "size_class": (SizeClass.SMALL, SizeClass.MEDIUM),
    }
    # The district settles: accept the reported name, keep the district.
    beichen = district_user("120113")
    discrepancy_settle(actor=beichen, discrepancy=EnterpriseDiscrepancy.objects.get(field="name"), accept=True)
    discrepancy_settle(actor=beichen, discrepancy=EnterpriseDiscrepancy.objects.get(field="district"), accept=False)
    enterprise.refresh_from_db()
    assert enterprise.name == "北辰另一个名称有限公司" and enterprise.district.code == "120113"
    assert EnterpriseDiscrepancy.objects.filter(status=DiscrepancyStatus.OPEN).count() == 1
    assert AuditEvent.objects.filter(
        object_type="enterprises.enterprise", object_id=str(enterprise.pk), action="update", actor=beichen
    ).exists()


def test_the_only_cb_reporting_an_enterprise_updates_the_registry(open_year, run):
    user = cb_user()
    uscc = valid_uscc("120113")
    run(
        ledger_upload_commit,
        actor=user,
        upload=upload(run, user, xlsx_bytes([ledger_row(**{"统一社会信用代码": uscc})])),
    )
    renamed = ledger_row(**{"统一社会信用代码": uscc, "企业名称": "更名后的有限公司"})
    run(ledger_upload_commit, actor=user, upload=upload(run, user, xlsx_bytes([renamed])))
    assert Enterprise.objects.get(uscc=uscc).name == "更名后的有限公司"
    assert EnterpriseDiscrepancy.objects.count() == 0


def test_the_discrepancy_list_settles_only_in_the_district(open_year, run, login):
    uscc = valid_uscc("120113")
    a, b = cb_user(), cb_user()
    run(ledger_upload_commit, actor=a, upload=upload(run, a, xlsx_bytes([ledger_row(**{"统一社会信用代码": uscc})])))
    run(
        ledger_upload_commit,
        actor=b,
        upload=upload(run, b, xlsx_bytes([ledger_row(**{"统一社会信用代码": uscc, "企业名称": "别名有限公司"})])),
    )
    item = EnterpriseDiscrepancy.objects.get()
    page = login(district_user("120113")).get(reverse("enterprises:discrepancy_list"))
    assert "别名有限公司" in page.content.decode()
    outsider = login(district_user("120114"))
    assert "别名有限公司" not in outsider.get(reverse("enterprises:discrepancy_list")).content.decode()
    assert (
        outsider.post(reverse("enterprises:discrepancy_settle", args=[item.pk]), {"decision": "accept"}).status_code
        == 404
    )
    assert login(a).get(reverse("enterprises:discrepancy_list")).status_code == 404


def test_upload_page_flow_through_the_views(open_year, login, django_capture_on_commit_callbacks):
    user = cb_user()
    client = login(user)
    template = client.get(reverse("enterprises:template_download", args=[2024, "xlsx"]))
    wb = load_workbook(io.BytesIO(template.content))
    assert wb.sheetnames == ["填写说明", "台账", "选项", "区县代码"]
    data = wb["台账"]
    assert [c.value for c in data[1]] == HEADERS
    validated = {str(dv.sqref).split(":")[0] for dv in data.data_validations.dataValidation}
    from openpyxl.utils import get_column_letter

    from enterprises.ledger.columns import COLUMNS

    for i, column in enumerate(COLUMNS, start=1):
        if column.options or column.key == "district":
            assert f"{get_column_letter(i)}2" in validated, column.header
    codes = [r[0].value for r in wb["区县代码"].iter_rows(min_row=2)]
    assert "120113" in codes and "120000" not in codes and "120100" not in codes
    assert client.get(reverse("enterprises:template_download", args=[2024, "csv"])).content.startswith(b"\xef\xbb\xbf")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enterprises:upload_list"),
            {
                "year": 2024,
                "file": SimpleUploadedFile("x.xlsx", xlsx_bytes([ledger_row(), ledger_row(**{"行业": "?"})])),
            },
        )
    item = LedgerUpload.objects.get()
    assert response.status_code == 302 and response.url == reverse("enterprises:upload_detail", args=[item.pk])
    page = client.get(response.url).content.decode()
    assert "“行业”只能填写" in page and 'data-testid="count-new">1<' in page
    status = client.get(reverse("enterprises:upload_status", args=[item.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:upload_commit", args=[item.pk]))
    page = client.get(reverse("enterprises:upload_detail", args=[item.pk])).content.decode()
    assert "已入库：新增1条" in page
    record = LedgerRecord.objects.get()
    detail = client.get(reverse("enterprises:ledger_detail", args=[record.pk])).content.decode()
    assert f"upload:{item.pk}" in detail  # the record's history names the upload


def test_a_change_committed_while_a_file_is_validated_makes_its_commit_validate_again(open_year, run, monkeypatch):
    """Another upload (or API call) of the same CB commits after this file's validation has read the stored
    records: the preview's "unchanged" is then out of date, so the commit validates again and writes what the
    file says."""
    from django.utils import timezone

    from enterprises.ledger.rules import RowParser, content_hash, record_values

    user = cb_user()
    rows = [ledger_row() for _ in range(2)]
    first = upload(run, user, xlsx_bytes(rows))
    run(ledger_upload_commit, actor=user, upload=first)
    record = LedgerRecord.objects.get(enterprise__uscc=rows[0]["统一社会信用代码"])
    original = record.experts_count

    def another_commit() -> None:
        record.experts_count = original + 5
        LedgerRecord.objects.filter(pk=record.pk).update(
            experts_count=record.experts_count, content_hash=content_hash(record_values(record)),
            updated_at=timezone.now(),
        )

    real_existing = RowParser.existing_records

    def existing_then_another_commit(self):
        existing = real_existing(self)
        if record.experts_count == original:
            another_commit()
        return existing

    monkeypatch.setattr(RowParser, "existing_records", existing_then_another_commit)
    again = upload(run, user, xlsx_bytes(rows))
    monkeypatch.setattr(RowParser, "existing_records", real_existing)
    assert (again.changed_count, again.unchanged_count) == (0, 2)  # read before the other commit landed

    committed = run(ledger_upload_commit, actor=user, upload=again)
    record.refresh_from_db()
    assert committed.status == UploadStatus.COMMITTED
    assert record.experts_count == original  # validated again at commit: the file's value is written
