"""The annex-3 workbook in the official layout: re-read the export and check texts, merges and roll-ups."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from programme import annex3
from programme.models import PilotFilingStatus
from reporting.jobs import job_create, job_run
from reporting.models import Job, JobStatus
from tests.factories import hq_user, province_user

from .factories import YEAR, make_filing, make_pilot

pytestmark = pytest.mark.django_db


def _run_export(user, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=False):
        job = job_create(actor=user, kind="pilot_annex3_xlsx", title="t", params={"year": YEAR, **params})
    job_run(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.DONE, job.error
    with job.output.open("rb") as fh:
        return load_workbook(io.BytesIO(fh.read())), job


@pytest.fixture
def two_pilots():
    ebike = make_pilot("电动自行车", ("120113", "120114", "120118", "120117"))
    carpet = make_pilot("地毯", ("120114",))
    make_filing(ebike, status=PilotFilingStatus.ACCEPTED, total_enterprises=300, participating_enterprises=100,
                pass_rate_before=Decimal("90"), pass_rate_after=Decimal("95"), matching_funds=Decimal("120.5"),
                quality_awards_national=2)
    make_filing(carpet, status=PilotFilingStatus.ACCEPTED, total_enterprises=100, participating_enterprises=40,
                trained_enterprises=30,
                pass_rate_before=Decimal("80"), pass_rate_after=Decimal("86"), matching_funds=Decimal("79.5"),
                quality_awards_national=1, gdp_share_before=None, gdp_share_after=None)
    hebei = make_pilot("陶瓷", ("130102",), province="130000")
    make_filing(hebei, status=PilotFilingStatus.SUBMITTED, total_enterprises=999, participating_enterprises=1,
                trained_enterprises=1, assisted_enterprises=1, leader_deployed_enterprises=1, qms_enterprises=1,
                high_tech_enterprises=1)
    return ebike, carpet, hebei


def test_workbook_keeps_the_official_layout(two_pilots, django_capture_on_commit_callbacks):
    wb, job = _run_export(hq_user(), django_capture_on_commit_callbacks)
    assert wb.sheetnames[:3] == ["全国汇总", "天津市汇总", "河北省汇总"]
    assert "天津市-电动自行车" in wb.sheetnames and "天津市-地毯" in wb.sheetnames
    ws = wb["天津市-电动自行车"]
    # Header texts of table 1 (row 3) and table 2 (row 11), exactly as in annex 3.
    assert ws["A3"].value == "试点产业名称"
    assert ws["C3"].value == "参与提升行动区域试点的小微企业数量（家）"
    assert ws["L3"].value == "产品质量水平提升率（%）"
    assert ws["N3"].value == "客户满意度（%）"
    assert ws["S3"].value == "区域产业出口产值变化"
    assert ws["A11"].value == "参与“提升行动”区域试点获高新技术认定企业数量（家）"
    assert ws["K11"].value == "配套资金金额（万元）"
    assert ws["M11"].value == "扶持激励政策（项）"
    row1 = [ws.cell(3, c).value for c in range(1, 20)]
    row2 = [ws.cell(11, c).value for c in range(1, 14)]
    assert [h for h in row1 + row2 if h] == annex3.headers()
    merged = {str(r) for r in ws.merged_cells.ranges}
    # Title; the quality header over two columns; single figures merged down the six data rows; the three
    # sub-labels each over a 提升前/提升后 pair; level columns of table 2.
    assert {"A1:S1", "L3:M3", "A4:A9", "B4:B9", "K4:K9", "L4:L5", "L6:L7", "L8:L9", "N6:N9", "S6:S9"} <= merged
    assert {"A12:A16", "B12:B16", "K12:K16", "M12:M16"} <= merged
    assert "D14:D16" in merged and "J15:J16" in merged and "C12:C15" not in merged
    # Sub-row labels and the 提升前/提升后 rows.
    assert [ws["L4"].value, ws["L6"].value, ws["L8"].value] == ["产品合格率", "一次合格率", "残次品率"]
    assert ws["M4"].value == 90 and ws["M4"].number_format.startswith('"提升前："')
    assert ws["M5"].value == 95 and ws["M5"].number_format.startswith('"提升后："')
    assert ws["N4"].number_format.startswith('"提升前："') and ws["N5"].number_format.startswith('"提升后："')
    assert ws["C12"].value == 2 and ws["C12"].number_format.startswith('"国家级："')
    assert ws["C15"].number_format.startswith('"县级："')
    assert ws["D13"].number_format.startswith('"省级及以下："')
    assert ws["L16"].number_format.startswith('"专家："')
    assert ws["A4"].value == "电动自行车"
    assert ws["B4"].value == 300 and ws["C4"].value == 100
    assert "北辰区" in ws["A2"].value and "已通过" in ws["A2"].value
    # Unreported pair: the label alone, as in the blank form.
    carpet = wb["天津市-地毯"]
    assert carpet["R4"].value == "提升前：" and carpet["R5"].value == "提升后："
    assert job.result["pilots"] == 3


def test_rollups_sum_what_adds_up_and_average_rates(two_pilots, django_capture_on_commit_callbacks):
    wb, _ = _run_export(hq_user(), django_capture_on_commit_callbacks)
    tj = wb["天津市汇总"]
    assert tj["B4"].value == 400  # 300 + 100
    assert tj["C4"].value == 140  # 100 + 40
    assert tj["K12"].value == 200  # 120.5 + 79.5 (万元)
    assert tj["C12"].value == 3  # national-level quality awards 2 + 1
    assert tj["M4"].value == 85  # pass rate before: (90 + 80) / 2
    assert tj["M5"].value == 90.5  # (95 + 86) / 2
    assert tj["Q4"].value == 90  # GDP share reported by one pilot only: its own value
    assert "之和" in tj["A18"].value and "平均值" in tj["A18"].value
    # Hebei's sheet is only submitted, not accepted: in no roll-up.
    assert wb["全国汇总"]["B4"].value == 400
    assert wb["河北省汇总"]["B4"].value in (None, "")


def test_a_province_gets_its_pilots_and_its_rollup_only(two_pilots, django_capture_on_commit_callbacks):
    wb, _ = _run_export(province_user("130000"), django_capture_on_commit_callbacks)
    assert wb.sheetnames == ["河北省汇总", "河北省-陶瓷"]
    # Asking for another province's pilots yields nothing of theirs.
    wb, _ = _run_export(province_user("130000"), django_capture_on_commit_callbacks, province="120000")
    assert wb.sheetnames == ["说明"]
