"""District staff fill annex 3 and annex 2 (with an attachment) and submit; the province accepts; HQ
downloads the national roll-up and finds the pilot's figures in it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from programme import annex2, annex3
from tests.factories import district_user, hq_user, province_user
from tests.programme.factories import YEAR, make_pilot, open_deadline, valid_statistics

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_pilot_filing_review_and_national_rollup(page, live_url, login_as, shot):
    open_deadline()
    pilot = make_pilot("电动自行车", ("120113", "120114", "120118", "120117"))
    district, province, hq = district_user("120113"), province_user("120000"), hq_user()

    # District: open the pilot from the list, fill annex 3 and annex 2, save a draft.
    login_as(page, district)
    page.goto(f"{live_url}/pilots/?year={YEAR}")
    page.get_by_role("link", name=pilot.name).click()
    page.get_by_test_id("pilot-title").wait_for()
    figures = valid_statistics(total_enterprises=320, participating_enterprises=120, trained_enterprises=100)
    for name, value in figures.items():
        page.fill(f"[name=a3-{name}]", str(value))
    for key in annex2.leaf_keys():
        page.fill(f"[name=a2-{key}]", f"北辰区电动自行车试点：{key}")
    page.get_by_test_id("save-draft").click()
    page.get_by_text("草稿已保存").wait_for()
    assert page.get_by_test_id("filing-status").inner_text().startswith("草稿")

    # A bad figure is refused with a message naming the fields.
    page.fill("[name=a3-assisted_enterprises]", "999")
    page.get_by_test_id("save-draft").click()
    page.get_by_text("不能大于").first.wait_for()
    shot(page, "district-validation")
    page.fill("[name=a3-assisted_enterprises]", str(figures["assisted_enterprises"]))

    # Attachment for section 二, then submit both annexes together.
    page.get_by_test_id("save-draft").click()
    page.get_by_text("草稿已保存").wait_for()
    page.select_option("select[name=section]", "measures")
    page.set_input_files("input[name=file]", files=[{"name": "实施方案.pdf", "mimeType": "application/pdf",
                                                     "buffer": PDF}])
    page.get_by_test_id("upload-attachment").click()
    page.get_by_test_id("attachment-list").get_by_text("实施方案.pdf").wait_for()
    page.get_by_test_id("submit-filing").click()
    page.get_by_text("等待省局审核").wait_for()
    assert "已提交" in page.get_by_test_id("filing-status").inner_text()
    shot(page, "district-submitted")

    # Province: accept.
    page.context.clear_cookies()
    login_as(page, province)
    page.goto(f"{live_url}/pilots/?year={YEAR}")
    assert "已提交" in page.get_by_test_id(f"status-{pilot.pk}").inner_text()
    page.get_by_role("link", name=pilot.name).click()
    page.get_by_test_id("review").wait_for()
    page.select_option("select[name=decision]", "accept")
    page.fill("textarea[name=comment]", "材料齐全，同意。")
    page.get_by_test_id("review-submit").click()
    page.get_by_text("审核结果已保存").wait_for()
    assert "已通过" in page.get_by_test_id("filing-status").inner_text()
    shot(page, "province-accepted")

    # HQ: generate the national workbook and download it.
    page.context.clear_cookies()
    login_as(page, hq)
    page.goto(f"{live_url}/pilots/?year={YEAR}")
    form = page.get_by_test_id("export-form")
    form.locator("select[name=format]").select_option("xlsx")
    form.get_by_role("button").click()
    page.get_by_test_id("job-download").wait_for(timeout=60_000)
    shot(page, "hq-job-done")
    with page.expect_download() as info:
        page.get_by_test_id("job-download").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert workbook.sheetnames[:2] == ["全国汇总", "天津市汇总"]
    national = workbook["全国汇总"]
    assert national["L3"].value == annex3.QUALITY_HEADER
    assert national["B4"].value == 320 and national["C4"].value == 120
    assert "L3:M3" in {str(r) for r in national.merged_cells.ranges}
