"""Header rows as CBs really send them: merged header cells, a title above the header, columns that are no
template column (reported, never silently dropped), a column given twice (refused, naming both cells), and
row numbers in every message as the sheet numbers its rows (header = row 1 in the template), also when the
used range of the sheet starts lower."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from enterprises.intake.files import UploadRejected
from enterprises.ledger import columns as ledger_columns
from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create
from enterprises.models import LedgerRecord, LedgerUpload, TrainingRecord, UploadStatus
from enterprises.training import columns as training_columns
from enterprises.training.pipeline import BatchRejected, training_upload
from enterprises.training.reader import read_upload
from tests.enterprises.factories import ledger_row
from tests.factories import cb_user

pytestmark = pytest.mark.django_db
YEAR = 2024
LEDGER_HEADERS = ledger_columns.HEADERS
TRAINING_HEADERS = training_columns.HEADERS
NOTES = LEDGER_HEADERS.index("备注") + 1  # its column in the template (1-based)


def sheet_bytes(
    sheet: str,
    headers: list[str],
    rows: list[dict[str, Any]],
    *,
    top: int = 1,
    left: int = 1,
    extra: Callable[[Any], None] | None = None,
) -> bytes:
    """A workbook whose sheet has ``headers`` in row ``top`` from column ``left`` on, then the rows; ``extra``
    adds titles, merges or cells of its own."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for col, header in enumerate(headers):
        if header:
            ws.cell(top, left + col, header)
    for r, values in enumerate(rows, start=top + 1):
        for col, header in enumerate(headers):
            value = values.get(header, "")
            if value != "":
                ws.cell(r, left + col, value)
    if extra is not None:
        extra(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ledger_xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None, **kwargs: Any) -> bytes:
    return sheet_bytes(ledger_columns.DATA_SHEET, headers or LEDGER_HEADERS, rows, **kwargs)


def training_xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None, **kwargs: Any) -> bytes:
    return sheet_bytes(training_columns.DATA_SHEET, headers or TRAINING_HEADERS, rows, **kwargs)


def csv_bytes(headers: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8-sig")


def training_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "培训日期": f"{YEAR}-06-{n % 28 + 1:02d}",
        "主办单位": "北辰区市场监管局",
        "培训主题": f"质量管理体系培训第{n}期",
        "形式": "线下",
        "区县代码": "120113",
        "参训企业（家）": 12,
        "参训人次": 30,
    }
    values.update(overrides)
    return values


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload a ledger file and run its validation job, as the worker would."""

    def _upload(user, content: bytes, name: str = "ledger.xlsx") -> LedgerUpload:
        with django_capture_on_commit_callbacks(execute=True):
            item = ledger_upload_create(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile(name, content))
        item.refresh_from_db()
        return item

    return _upload


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def _commit(user, item: LedgerUpload) -> LedgerUpload:
        with django_capture_on_commit_callbacks(execute=True):
            ledger_upload_commit(actor=user, upload=item)
        item.refresh_from_db()
        return item

    return _commit


# ---- merged header cells ---------------------------------------------------------------------------------
def test_a_notes_header_merged_over_two_columns_reads_what_was_typed_under_either(open_year, upload, commit):
    user = cb_user()
    headers = [*LEDGER_HEADERS, ""]  # 备注 and the column after it, merged in the header row
    under_second = ledger_row()
    under_both = ledger_row()
    last = get_column_letter(len(headers))

    def extra(ws: Any) -> None:
        ws.merge_cells(f"{get_column_letter(NOTES)}1:{last}1")
        ws[f"{last}2"] = "写在合并单元格的第二列"
        ws[f"{get_column_letter(NOTES)}3"] = "第一列"
        ws[f"{last}3"] = "第二列"

    item = upload(user, ledger_xlsx([under_second, under_both], headers, extra=extra))
    assert item.status == UploadStatus.READY, item.message
    assert item.warnings_list == []
    commit(user, item)
    notes = dict(LedgerRecord.objects.values_list("enterprise__uscc", "notes"))
    assert notes == {
        under_second["统一社会信用代码"]: "写在合并单元格的第二列",
        under_both["统一社会信用代码"]: "第一列；第二列",
    }


def test_a_title_merged_across_the_top_and_a_header_merged_down_from_it(open_year, upload, commit):
    """Row 1 holds a title merged across the sheet, and 备注 written in row 1 merged down over row 2, the header
    row: the header is row 2, 备注 is read, and row numbers stay the sheet's."""
    user = cb_user()
    headers = [h if h != "备注" else "" for h in LEDGER_HEADERS]
    good = ledger_row(**{"备注": None})
    bad = ledger_row(**{"行业": "?"})
    notes = get_column_letter(NOTES)

    def extra(ws: Any) -> None:
        ws["A1"] = "2024年度帮扶台账（某认证机构）"
        ws.merge_cells(f"A1:{get_column_letter(NOTES - 1)}1")
        ws[f"{notes}1"] = "备注"
        ws.merge_cells(f"{notes}1:{notes}2")
        ws[f"{notes}3"] = "企业自愿参加"

    item = upload(user, ledger_xlsx([good, bad], headers, top=2, extra=extra))
    assert item.status == UploadStatus.READY, item.message
    assert [(e["row"], e["column"]) for e in item.errors] == [(4, "行业")]
    commit(user, item)
    assert LedgerRecord.objects.get().notes == "企业自愿参加"


def test_a_merged_training_header_reads_the_values_under_all_its_columns(open_year):
    user = cb_user()
    headers = [*TRAINING_HEADERS, ""]
    last = get_column_letter(len(headers))
    persons = get_column_letter(len(TRAINING_HEADERS))
    row = training_row(1, **{"参训人次": ""})

    def extra(ws: Any) -> None:
        ws.merge_cells(f"{persons}1:{last}1")
        ws[f"{last}2"] = 40

    records = training_upload(
        actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("t.xlsx", training_xlsx([row], headers, extra=extra))
    )
    assert [r.person_count for r in records] == [40]


# ---- columns that are no template column, given twice, or missing -------------------------------------------
def test_an_unknown_ledger_header_is_reported_as_ignored(open_year, upload, login):
    user = cb_user()
    headers = [*LEDGER_HEADERS, "联系人", ledger_columns.ERROR_HEADER]
    row = ledger_row(**{"联系人": "张三", ledger_columns.ERROR_HEADER: "上次的错误"})
    item = upload(user, ledger_xlsx([row], headers))
    assert item.status == UploadStatus.READY, item.message
    cell = f"{get_column_letter(len(LEDGER_HEADERS) + 1)}1"
    expected = f"表头“联系人”（{cell}单元格）不是模板中的列，已忽略。"
    # The failed-rows file's own error column is known: no warning for it.
    assert item.warnings_list == [{"row": 1, "column": "联系人", "message": expected, "level": "warning"}]
    assert item.warning_count == 1
    page = login(user).get(reverse("enterprises:upload_detail", args=[item.pk])).content.decode()
    assert expected in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_ledger_column_given_twice_is_refused_naming_both_cells(open_year, upload, fmt):
    headers = [*LEDGER_HEADERS, "备注"]
    rows = [ledger_row(**{"备注": "一"})]
    content = ledger_xlsx(rows, headers) if fmt == "xlsx" else csv_bytes(headers, rows)
    item = upload(cb_user(), content, f"ledger.{fmt}")
    assert item.status == UploadStatus.REJECTED
    first, second = get_column_letter(NOTES), get_column_letter(len(headers))
    assert f"表头“备注”出现了两次（{first}1和{second}1单元格）" in item.message
    assert "请删除或改名其中一列后重新上传" in item.message


def test_a_missing_required_ledger_column_is_refused_as_before(open_year, upload):
    headers = [h for h in LEDGER_HEADERS if h != "企业名称"]
    item = upload(cb_user(), ledger_xlsx([ledger_row()], headers))
    assert item.status == UploadStatus.REJECTED
    assert item.message.startswith("表头缺少必填列：企业名称。")


def test_training_headers_unknown_twice_or_missing(client, open_year):
    user = cb_user()
    client.force_login(user)
    url = reverse("enterprises:training_upload")

    def post(content: bytes, name: str = "t.xlsx"):
        return client.post(url, {"year": YEAR, "file": SimpleUploadedFile(name, content)}, follow=True)

    # Unknown: stored, and the page says which header was ignored.
    page = post(training_xlsx([training_row(1, 备注="x")], [*TRAINING_HEADERS, "备注"])).content.decode()
    assert TrainingRecord.objects.count() == 1
    cell = f"{get_column_letter(len(TRAINING_HEADERS) + 1)}1"
    assert f"表头“备注”（{cell}单元格）不是模板中的列，已忽略。" in page
    rows = read_upload(SimpleUploadedFile("t.csv", csv_bytes([*TRAINING_HEADERS, "备注"], [training_row(2)])))
    assert rows.warnings == [f"表头“备注”（{cell}单元格）不是模板中的列，已忽略。"]
    # The training export's columns that the upload does not read are no surprise.
    assert read_upload(
        SimpleUploadedFile("t.csv", csv_bytes(["认证机构", *TRAINING_HEADERS, "区县"], [training_row(2)]))
    ).warnings == []
    # Twice: refused as a form error naming both cells.
    response = post(training_xlsx([training_row(3)], [*TRAINING_HEADERS, "培训主题"]))
    assert response.status_code == 200
    page = response.content.decode()
    topic = get_column_letter(TRAINING_HEADERS.index("培训主题") + 1)
    twice = get_column_letter(len(TRAINING_HEADERS) + 1)
    assert f"表头“培训主题”出现了两次（{topic}1和{twice}1单元格）" in page
    assert 'data-testid="training-upload-error"' in page
    # Missing: today's message.
    with pytest.raises(UploadRejected, match="表头缺少列：参训人次"):
        training_upload(
            actor=user,
            year=YEAR,
            uploaded_file=SimpleUploadedFile("t.xlsx", training_xlsx([training_row(4)], TRAINING_HEADERS[:-1])),
        )
    assert TrainingRecord.objects.count() == 1


# ---- row numbers ----------------------------------------------------------------------------------------------
LEDGER_LAYOUTS = {
    # name: (file name, content of [good, bad, good] rows, the bad row's number in the sheet)
    "csv": lambda rows: ("ledger.csv", csv_bytes(LEDGER_HEADERS, rows), 3),
    "xlsx-from-row-1": lambda rows: ("ledger.xlsx", ledger_xlsx(rows), 3),
    "xlsx-from-row-5-column-C": lambda rows: ("ledger.xlsx", ledger_xlsx(rows, top=5, left=3), 7),
    "xlsx-title-in-row-1": lambda rows: (
        "ledger.xlsx",
        ledger_xlsx(rows, top=3, extra=lambda ws: ws.cell(1, 1, "2024年度帮扶台账")),
        5,
    ),
}


@pytest.mark.parametrize("layout", sorted(LEDGER_LAYOUTS))
def test_ledger_messages_name_rows_as_the_sheet_numbers_them(open_year, upload, layout):
    rows = [ledger_row(), ledger_row(**{"行业": "?"}), ledger_row()]
    name, content, bad = LEDGER_LAYOUTS[layout](rows)
    item = upload(cb_user(), content, name)
    assert item.status == UploadStatus.READY, item.message
    assert (item.total_rows, item.new_count, item.failed_count) == (3, 2, 1)
    assert [e["row"] for e in item.errors] == [bad]
    failed = load_workbook(item.failed_file.path)[ledger_columns.DATA_SHEET]
    errors = [c.value for c in failed[2] if c.value and str(c.value).startswith("第")]
    assert errors and errors[0].startswith(f"第{bad}行：")


TRAINING_LAYOUTS = {
    "csv": lambda rows: ("t.csv", csv_bytes(TRAINING_HEADERS, rows), 3),
    "xlsx-from-row-1": lambda rows: ("t.xlsx", training_xlsx(rows), 3),
    "xlsx-from-row-4-column-B": lambda rows: ("t.xlsx", training_xlsx(rows, top=4, left=2), 6),
}


@pytest.mark.parametrize("layout", sorted(TRAINING_LAYOUTS))
def test_training_messages_name_rows_as_the_sheet_numbers_them(client, open_year, layout):
    user = cb_user()
    rows = [training_row(1), training_row(2, **{"参训人次": 5}), training_row(3)]
    name, content, bad = TRAINING_LAYOUTS[layout](rows)
    with pytest.raises(BatchRejected) as excinfo:
        training_upload(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile(name, content))
    assert {e.row for e in excinfo.value.errors} == {bad}
    client.force_login(user)
    page = client.post(
        reverse("enterprises:training_upload"), {"year": YEAR, "file": SimpleUploadedFile(name, content)}
    ).content.decode()
    table = page.split('data-testid="training-upload-failures"', 1)[1]
    assert f'<td class="num">{bad}</td>' in table
    assert TrainingRecord.objects.count() == 0
