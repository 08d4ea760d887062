"""A CB uploads its own ledger spreadsheet (sheet "Sheet1", a title row, its own column order, a 序号 column and
one header the portal cannot know), answers the mapping step for that header only, commits, uploads its next
file without being asked and sees what a changed record changes (before → after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook

from enterprises.intake.models import HeaderMapping
from enterprises.models import LedgerRecord
from programme.models import Deadline, DeadlineKind
from tests.enterprises.factories import ledger_row
from tests.factories import cb_user

pytestmark = pytest.mark.browser

# The CB's own header for each template column it fills, in its own order; 受助企业 is no name the portal knows.
OWN = [
    ("序号", None),
    ("受助企业", "企业名称"),
    ("社会信用代码", "统一社会信用代码"),
    ("所属行业", "行业"),
    ("区县代码", "所在区县代码"),
    ("帮扶开始日期", "开始日期"),
    ("帮扶结束日期", "结束日期"),
    ("从业人数", "从业人员（人）"),
    ("营业收入(万元)", "营业收入（万元）"),
    ("质量管理", "帮扶维度：质量管理"),
    ("把脉问诊/质量诊断", "帮扶方式：把脉问诊/质量诊断"),
]


def own_file(path, rows: list[dict[str, Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.cell(1, 1, "2024年度小微企业质量管理体系认证提升行动帮扶台账")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(OWN))
    for c, (header, _template) in enumerate(OWN, start=1):
        ws.cell(2, c, header)
    for r, row in enumerate(rows, start=3):
        for c, (_header, template) in enumerate(OWN, start=1):
            ws.cell(r, c, r - 2 if template is None else row.get(template, ""))
    wb.save(path)


def upload(page, live_url, path) -> None:
    page.goto(f"{live_url}/enterprises/ledger/uploads/")
    page.select_option("select[name=year]", "2024")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并校验").click()


def test_a_cb_uploads_its_own_spreadsheet_maps_one_header_and_is_not_asked_again(
    page, live_url, login_as, shot, tmp_path
):
    Deadline.objects.filter(programme_year_id=2024, kind=DeadlineKind.LEDGER).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )
    user = cb_user()
    login_as(page, user)
    page.goto(f"{live_url}/enterprises/ledger/uploads/")
    assert "推荐使用模板" in page.get_by_test_id("upload-form").locator("xpath=..").inner_text()

    rows = [ledger_row(**{"企业名称": "天津自有表格甲有限公司"}), ledger_row(**{"企业名称": "天津自有表格乙有限公司"})]
    first = tmp_path / "本机构台账.xlsx"
    own_file(first, rows)
    upload(page, live_url, first)

    # The mapping step: one question, for the one header it could not match.
    page.get_by_test_id("upload-status").filter(has_text="待匹配列").wait_for()
    mapping = page.get_by_test_id("column-mapping")
    assert mapping.get_by_test_id("mapping-question").count() == 1
    assert "企业名称" in mapping.get_by_test_id("mapping-question").inner_text()
    assert "Sheet1" in mapping.inner_text() and "表头在第2行" in mapping.inner_text()
    assert "其余未匹配的列（将忽略）：序号、受助企业" in mapping.inner_text()
    shot(page, "mapping")
    page.select_option("[data-testid=mapping-name]", label="B列：受助企业")
    page.get_by_test_id("mapping-submit").click()

    page.get_by_test_id("upload-status").filter(has_text="待确认").wait_for()
    assert page.get_by_test_id("count-new").inner_text() == "2"
    assert page.get_by_test_id("count-failed").inner_text() == "0"
    summary = page.get_by_test_id("matched-columns").inner_text()
    assert "受助企业" in summary and "本次选择" in summary and "同义列名" in summary
    page.get_by_test_id("commit").click()
    page.get_by_test_id("commit-result").wait_for()
    assert "已入库：新增2条" in page.get_by_test_id("commit-result").inner_text()
    assert set(LedgerRecord.objects.values_list("reported_name", flat=True)) == {r["企业名称"] for r in rows}
    assert HeaderMapping.objects.filter(certification_body=user.certification_body, header="受助企业").exists()

    # The next file, same layout: no question; one record changes.
    rows[0] = {**rows[0], "从业人员（人）": 60, "结束日期": "2024-10-31"}
    second = tmp_path / "本机构台账-更新.xlsx"
    own_file(second, rows)
    upload(page, live_url, second)
    page.get_by_test_id("upload-status").filter(has_text="待确认").wait_for()
    assert page.get_by_test_id("column-mapping").count() == 0
    assert page.get_by_test_id("count-changed").inner_text() == "1"
    assert page.get_by_test_id("count-unchanged").inner_text() == "1"
    assert "按本机构上次的选择" in page.get_by_test_id("matched-columns").inner_text()
    changes = page.get_by_test_id("changed-records")
    text = changes.inner_text()
    assert "天津自有表格甲有限公司" in text
    assert "从业人员（人）" in text and "45" in text and "→ 60" in text
    assert "结束日期" in text and "2024-09-30" in text and "→ 2024-10-31" in text
    assert changes.get_by_test_id("change").count() == 2
    shot(page, "changed-before-after")
    page.get_by_test_id("commit").click()
    page.get_by_test_id("commit-result").wait_for()
    record = LedgerRecord.objects.get(reported_name="天津自有表格甲有限公司")
    assert (record.reported_employees, record.end_date) == (60, dt.date(2024, 10, 31))
