"""A CB downloads the template, uploads a file with three bad rows, reads the three messages, downloads the
failed rows, commits the rest and sees the counts; uploading the same file again changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.ledger.columns import ERROR_HEADER, HEADERS
from enterprises.models import LedgerRecord
from programme.models import Deadline, DeadlineKind
from tests.enterprises.factories import ledger_row
from tests.factories import cb_user, valid_uscc

pytestmark = pytest.mark.browser


def fill(path, rows):
    wb = load_workbook(path)
    ws = wb["台账"]
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS, start=1):
            if header in row:
                ws.cell(r, c).value = row[header]
    wb.save(path)


def test_cb_uploads_fixes_and_commits_a_ledger(page, live_url, login_as, shot, tmp_path):
    Deadline.objects.filter(programme_year_id=2024, kind=DeadlineKind.LEDGER).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )
    user = cb_user()
    login_as(page, user)
    page.goto(f"{live_url}/enterprises/ledger/uploads/")
    with page.expect_download() as download_info:
        page.get_by_test_id("template-xlsx-2024").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    assert load_workbook(template).sheetnames == ["填写说明", "台账", "选项", "区县代码"]

    good = [ledger_row(), ledger_row()]
    bad_uscc = valid_uscc("120113")
    bad_uscc = bad_uscc[:17] + ("0" if bad_uscc[17] != "0" else "1")
    bad = [
        ledger_row(**{"统一社会信用代码": bad_uscc}),
        ledger_row(**{"发现质量问题（个）": 2, "解决质量问题（个）": 5}),
        ledger_row(**{"开始日期": "2024-09-01", "结束日期": "2024-08-01"}),
    ]
    fill(template, [good[0], bad[0], bad[1], good[1], bad[2]])

    page.select_option("select[name=year]", "2024")
    page.set_input_files("input[name=file]", str(template))
    page.get_by_role("button", name="上传并校验").click()
    page.get_by_test_id("upload-status").filter(has_text="待确认").wait_for()
    errors = page.get_by_test_id("upload-errors")
    text = errors.inner_text()
    assert "校验位错误" in text
    assert "“解决质量问题”（5）不能大于“发现质量问题”（2）" in text
    assert "“结束日期”（2024-08-01）早于“开始日期”（2024-09-01）" in text
    assert errors.locator("tbody tr").count() == 3
    assert page.get_by_test_id("count-new").inner_text() == "2"
    assert page.get_by_test_id("count-failed").inner_text() == "3"
    shot(page, "preview")

    with page.expect_download() as failed_info:
        page.get_by_test_id("failed-rows").click()
    failed = tmp_path / "failed.xlsx"
    failed_info.value.save_as(failed)
    ws = load_workbook(failed)["台账"]
    assert ws.max_row == 4 and ws.cell(1, len(HEADERS) + 1).value == ERROR_HEADER
    assert [ws.cell(r, 3).value for r in range(2, 5)] == [b["统一社会信用代码"] for b in bad]

    page.get_by_test_id("commit").click()
    page.get_by_test_id("commit-result").wait_for()
    assert "已入库：新增2条" in page.get_by_test_id("commit-result").inner_text()
    assert LedgerRecord.objects.filter(certification_body=user.certification_body).count() == 2
    shot(page, "committed")

    page.goto(f"{live_url}/enterprises/ledger/uploads/")
    page.select_option("select[name=year]", "2024")
    page.set_input_files("input[name=file]", str(template))
    page.get_by_role("button", name="上传并校验").click()
    page.get_by_test_id("upload-status").filter(has_text="待确认").wait_for()
    assert page.get_by_test_id("count-unchanged").inner_text() == "2"
    assert page.get_by_test_id("count-new").inner_text() == "0"
    assert page.get_by_test_id("count-changed").inner_text() == "0"
    shot(page, "unchanged")
