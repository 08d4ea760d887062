"""The ranked report files: re-read the workbook; extract the PDF's text and check its fonts are embedded."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from assessments import reports, services
from assessments.handlers import build_score_reports
from assessments.models import Report, UnitResult
from tests.factories import hq_user

from .factories import give_scores, hq_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(monkeypatch):
    monkeypatch.setattr("assessments.services.figures_by_unit", lambda *, year, units: {})
    hq = hq_user()
    e2023 = hq_evaluation(year=2023, actor=hq)
    give_scores(e2023, "120000", [70])
    give_scores(e2023, "330000", [90])
    services.evaluation_compute(actor=hq, evaluation=e2023)
    evaluation = hq_evaluation(actor=hq)
    give_scores(evaluation, "330000", [90, 80])  # 85 -> 51 + 24 = 75.00
    give_scores(evaluation, "120000", [95])  # 95 -> 57 + 24 = 81.00
    give_scores(evaluation, "130000", [60, 70, 80, 90, 100])  # trimmed 80 -> 48 + 24 = 72.00
    services.evaluation_compute(actor=hq, evaluation=evaluation)
    return evaluation


def test_score_sheet_xlsx_headers_sheets_and_totals(computed):
    sheet = reports.score_sheet_data(evaluation=computed)
    wb = load_workbook(io.BytesIO(reports.score_sheet_xlsx(sheet)))
    assert wb.sheetnames == ["汇总排名", "1 组织发动", "2 宣传培训", "3 企业帮扶", "评分说明"]
    ws = wb["汇总排名"]
    headers = [c.value for c in ws[4]]
    assert headers == ["排名", "区划代码", "单位", "组织发动（20分）", "宣传培训（20分）", "企业帮扶（60分）",
                       "专家评分小计", "问卷测评小计", "总分", "上年排名", "名次变化", "标记"]
    assert ws.freeze_panes == "A5"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=ws.max_row)]
    assert len(rows) == 32
    assert rows[0][:3] == [1, "120000", "天津市"] and rows[0][8] == 81
    assert rows[1][:3] == [2, "330000", "浙江省"] and rows[1][8] == 75
    assert rows[2][:3] == [3, "130000", "河北省"] and rows[2][8] == 72
    # 天津 rose from 2nd (2023) to 1st; 浙江 fell from 1st to 2nd
    assert (rows[0][9], rows[0][10]) == (2, "↑1") and (rows[1][9], rows[1][10]) == (1, "↓1")
    for row in rows:  # areas add up to the total, expert + questionnaire too
        assert round(row[3] + row[4] + row[5], 2) == round(row[8], 2)
        assert round(row[6] + row[7], 2) == round(row[8], 2)
    totals = dict(UnitResult.objects.filter(evaluation=computed).values_list("unit__code", "total"))
    assert {r[1]: Decimal(str(r[8])).quantize(Decimal("0.01")) for r in rows} == totals
    # The ranking chart: one stacked series per area over the 32 units, reading the table's cells.
    with zipfile.ZipFile(io.BytesIO(reports.score_sheet_xlsx(sheet))) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert re.search(r'barDir val="bar"', xml) and re.search(r'grouping val="stacked"', xml)
    assert len(re.findall(r"<(?:c:)?ser>", xml)) == 3
    assert "'汇总排名'!$D$5:$D$36" in xml and "'汇总排名'!$C$5:$C$36" in xml
    area = wb["3 企业帮扶"]
    assert [c.value for c in area[3]][:4] == ["排名", "区划代码", "单位", "精准帮扶企业举措（20分）"]
    tianjin = [c.value for c in area[4]]
    # 精准帮扶 19.00 (95% of 20), mean 95, 1 expert; results 18.00 (60); satisfaction 6.00 (60); subtotal 43.00
    assert tianjin[3:] == [19, 95, 1, 18, 60, 6, 60, 43]


def test_score_sheet_pdf_has_chinese_names_and_embedded_fonts(computed, tmp_path):
    if not shutil.which("pdftotext") or not shutil.which("pdffonts"):
        pytest.skip("poppler-utils not installed")
    pdf = reports.score_sheet_pdf(reports.score_sheet_data(evaluation=computed))
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for name in ("天津市", "浙江省", "河北省", "新疆生产建设兵团", "组织发动", "表现突出"):
        assert name in text, name
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(fonts) > 2, fonts
    for line in fonts[2:]:
        columns = line.split()
        # name type encoding emb sub uni object ID: the "emb" column is 5th from the end
        assert columns[-5] == "yes", line
    assert "<svg" in str(reports.chart_for(reports.score_sheet_data(evaluation=computed)))


def test_reports_are_idempotent_per_job(computed):
    from reporting.models import Job

    job = Job.objects.create(kind="assessments.evaluation_run", title="t", created_by=hq_user())
    first = build_score_reports(evaluation=computed, job=job)
    second = build_score_reports(evaluation=computed, job=job)
    assert [r.pk for r in first] == [r.pk for r in second]
    assert Report.objects.filter(job=job).count() == 2


def test_evaluation_report_command_writes_both_files(computed, tmp_path):
    out = tmp_path / "out"
    call_command("evaluation_report", "--year", "2024", "--level", "province", "--out", str(out), "--no-compute")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["2024_evaluation_000000.pdf", "2024_evaluation_000000.xlsx"]
    wb = load_workbook(out / "2024_evaluation_000000.xlsx")
    assert wb["汇总排名"]["C5"].value == "天津市"
