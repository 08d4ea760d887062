"""HQ runs the annex-1 evaluation, watches the job's progress bar and downloads the XLSX and the PDF."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.assessments.factories import give_scores
from tests.factories import hq_user

pytestmark = pytest.mark.browser


def test_hq_runs_the_evaluation_and_downloads_both_files(page, live_url, login_as, shot, tmp_path):
    hq = hq_user()
    from assessments import services
    from tests.factories import unit

    evaluation = services.evaluation_ensure(actor=hq, year=2024, evaluator=unit("000000"))
    give_scores(evaluation, "120000", [92, 88, 90, 85, 95])
    give_scores(evaluation, "330000", [80, 82])

    login_as(page, hq)
    page.goto(f"{live_url}/assessments/?year=2024")
    page.get_by_test_id("start-evaluation").click()
    page.wait_for_url(re.compile(rf"/assessments/evaluations/{evaluation.pk}/$"))
    page.get_by_test_id("run-evaluation").click()

    status = page.locator("#run-status")
    status.wait_for()
    progress = page.get_by_test_id("job-progress")
    assert progress.is_visible()
    page.wait_for_function(
        "document.querySelector('#run-status').dataset.status === 'done'", timeout=60_000)
    assert progress.get_attribute("value") == "100"
    assert page.get_by_test_id("job-status").inner_text() == "已完成"
    shot(page, "evaluation-run-done")

    results = page.get_by_test_id("results").inner_text()
    assert "天津市" in results and "浙江省" in results
    assert page.locator("svg.ranking-chart").count() == 1

    with page.expect_download() as xlsx_info:
        page.get_by_test_id("download-xlsx").click()
    xlsx_path = tmp_path / xlsx_info.value.suggested_filename
    xlsx_info.value.save_as(xlsx_path)
    wb = load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    assert wb["汇总排名"]["C5"].value == "天津市"

    with page.expect_download() as pdf_info:
        page.get_by_test_id("download-pdf").click()
    pdf_path = tmp_path / pdf_info.value.suggested_filename
    pdf_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert pdf_path.name.endswith(".pdf") and xlsx_path.name.endswith(".xlsx")
