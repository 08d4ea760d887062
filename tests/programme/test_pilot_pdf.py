"""PDF output: text extraction finds the pilot, the annex-2 section titles and annex-3 headers; CJK embedded."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from programme import annex2
from programme.models import PilotFilingStatus, PilotRegion
from programme.pilot_reports import collect_sheets, pilot_pdf

from .factories import YEAR, make_filing, make_pilot

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_pdf_has_pilot_name_section_titles_and_sheet(tmp_path):
    pilot = make_pilot("高端装备制造", ("120116",))
    filing = make_filing(pilot, status=PilotFilingStatus.ACCEPTED)
    filing.measures = "成立试点工作专班"
    filing.save()
    sheets = collect_sheets(pilots=PilotRegion.objects.all(), year=YEAR, province_rollups=True,
                            national_rollup=True)
    data = pilot_pdf(sheets, year=YEAR)
    text = _text(data)
    assert "天津市高端装备制造产业区域试点" in text
    for section in annex2.OUTLINE:
        assert section.title in text
    assert "（三）区域产业共性质量“痛点”梳理" in text and "（二）帮扶模式" in text
    assert "成立试点工作专班" in text
    assert "提升行动区域试点自评报告" in text and "提升行动区域试点工作统计表" in text
    assert "产品合格率" in text and "提升前" in text and "国家级" in text
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes yes " in fonts


def test_pilot_report_command_writes_xlsx_and_pdf(tmp_path):
    make_filing(make_pilot("地毯", ("120114",)), status=PilotFilingStatus.ACCEPTED)
    make_filing(make_pilot("陶瓷", ("130102",), province="130000"), status=PilotFilingStatus.ACCEPTED)
    out = io.StringIO()
    call_command("pilot_report", "--year", str(YEAR), "--province", "120000", "--out", str(tmp_path), stdout=out)
    xlsx = tmp_path / f"pilot-annex3-{YEAR}-120000.xlsx"
    pdf = tmp_path / f"pilot-report-{YEAR}-120000.pdf"
    assert xlsx.exists() and pdf.exists()
    assert "1 pilots" in out.getvalue()
    text = _text(pdf.read_bytes())
    assert "天津市地毯产业区域试点" in text and "陶瓷" not in text
