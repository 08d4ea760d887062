"""The shared spreadsheet writer: formula-like text survives an XLSX round trip as typed (a string cell is
never a formula), CSV keeps the OWASP quote, and the questionnaire export streams in bounded memory."""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from enterprises.models import Enterprise
from enterprises.questionnaire import exports
from enterprises.questionnaire.models import Response, ResponseStatus
from enterprises.seed import make_uscc
from programme.models import OrgUnit
from reporting.models import Job
from reporting.xlsx import csv_bytes, workbook_bytes, write_table
from tests.factories import hq_user
from tests.questionnaire.factories import YEAR, full_answers, version

PHONE = "+86 138 0013 8000"
FORMULA_LIKE = [PHONE, "=1+1", "@SUM(1+1)", "-2+3", "#N/A", '=HYPERLINK("http://evil.example/","点击")']


@pytest.mark.parametrize("write_only", [True, False], ids=["write-only", "ordinary"])
def test_formula_like_text_reads_back_from_xlsx_exactly_as_typed(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("导出") if write_only else wb.active
    write_table(ws, ["文本", "数值"], [[text, n] for n, text in enumerate(FORMULA_LIKE)])
    sheet = load_workbook(io.BytesIO(workbook_bytes(wb))).worksheets[0]
    cells = [sheet.cell(row, 1) for row in range(2, 2 + len(FORMULA_LIKE))]
    assert [c.value for c in cells] == FORMULA_LIKE  # no apostrophe added
    assert [c.data_type for c in cells] == ["s"] * len(FORMULA_LIKE)  # string cells: never a formula
    assert sheet.cell(2, 2).value == 0 and sheet.cell(2, 2).data_type == "n"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:B{1 + len(FORMULA_LIKE)}"


def test_csv_keeps_the_quote_on_formula_like_text():
    text = csv_bytes(["备注"], [[v] for v in ["=1+1", PHONE, "@SUM(1+1)", "正常"]]).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(text))] == ["备注", "'=1+1", "'" + PHONE, "'@SUM(1+1)", "正常"]


def test_a_table_cannot_start_below_rows_already_streamed():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["标题"])
    with pytest.raises(ValueError, match="above"):
        write_table(ws, ["a"], [])
    workbook_bytes(wb)  # close the streamed sheet


def _responses(n: int, *, offset: int = 0, **answers: str) -> None:
    v = version(YEAR)
    district = OrgUnit.objects.get(code="120113")
    enterprises = Enterprise.objects.bulk_create(
        [Enterprise(uscc=make_uscc("120113", offset + i), name=f"导出测试企业{offset + i}", district=district)
         for i in range(1, n + 1)]
    )
    now = timezone.now()
    Response.objects.bulk_create(
        [Response(version=v, programme_year_id=YEAR, enterprise=e, status=ResponseStatus.SUBMITTED,
                  submitted_at=now, answers=full_answers(**answers)) for e in enterprises]
    )


def _export(user) -> Job:
    job = Job.objects.create(kind="questionnaire_export", title="t", created_by=user, params={"year": YEAR})
    exports.export_responses(job, lambda done, total: None)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_questionnaire_export_gives_back_a_phone_number_and_a_formula_as_typed():
    _responses(1, suggestions=PHONE, lasting="=1+1")
    job = _export(hq_user())
    with job.output.open("rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    suggestions = next(c for h, c in row.items() if "意见和建议" in str(h))
    assert (suggestions.value, suggestions.data_type) == (PHONE, "s")
    assert any(c.value == "=1+1" and c.data_type == "s" for c in row.values())
    assert all(c.data_type != "f" for c in sheet[2])


def _export_peak(user) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        _export(user)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_the_questionnaire_export_streams_in_bounded_memory(monkeypatch):
    """Four times the responses must not take four times the memory: rows are read in chunks and streamed to
    disk, so the peak is set by one chunk, not by the export (an in-memory workbook grows with every cell)."""
    monkeypatch.setattr(exports, "CHUNK", 100, raising=False)
    user = hq_user()
    _responses(200)
    _export(user)  # warm up (imports, caches) so that both measurements start alike
    small = _export_peak(user)
    _responses(600, offset=200)
    large = _export_peak(user)
    assert large < small * 1.5, f"peak {small / 1e6:.1f} MB for 200 responses, {large / 1e6:.1f} MB for 800"
