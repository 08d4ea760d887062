"""A CB's own ledger spreadsheet: the table is found (the sheet, the header row below titles), its columns are
matched by header, synonym or near form in any order, what cannot be matched is asked once and remembered,
every format a CB saves in is read behind the same guards, and the preview shows what a changed record
changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from enterprises.intake.files import UploadRejected, inspect_file
from enterprises.intake.models import HeaderMapping
from enterprises.intake.reader import norm_header
from enterprises.ledger.columns import VOCABULARY
from enterprises.ledger.services import ledger_upload_commit, ledger_upload_create, ledger_upload_map_columns
from enterprises.models import LedgerRecord, LedgerUpload, UploadStatus
from tests.enterprises.factories import ledger_row, xlsx_bytes
from tests.factories import cb_user

pytestmark = pytest.mark.django_db
YEAR = 2024
FILES = Path(__file__).resolve().parent / "files"
# A CB's own ledger saved by an old Excel (BIFF8, written with xlwt 1.3): sheet "Sheet1", a title merged across
# row 1, a blank row 2, its header in row 3 (序号, 单位名称, 社会信用代码, 区县代码, 所属行业, 从业人数,
# 营业收入（万元）, 质量管理, 把脉问诊/质量诊断, 帮扶开始日期, 帮扶结束日期, 联系人) and two rows of date cells.
OWN_XLS = FILES / "own_ledger.xls"
OWN_XLS_USCC = ["91120113MA91000013", "91120113MA91000026"]

# The CB's own header for each template header it uses (another order, synonyms, near forms, extra columns).
OWN_HEADERS = {
    "序号": None,
    "企业名称": "单位名称",
    "统一社会信用代码": "社会信用代码",
    "所在区县代码": "区县代码",
    "行业": "所属行业",
    "从业人员（人）": "从业人员",
    "营业收入（万元）": "营业收入(万元)",
    "帮扶维度：质量管理": "质量管理",
    "帮扶方式：把脉问诊/质量诊断": "把脉问诊/质量诊断",
    "开始日期": "帮扶开始日期",
    "结束日期": "帮扶结束日期",
    "联系人": None,
}


def own_matrix(rows: list[dict[str, Any]], headers: dict[str, str | None] | None = None) -> list[list[Any]]:
    """The rows under the CB's own headers (``None``: a column of its own, filled with something)."""
    headers = headers or OWN_HEADERS
    out: list[list[Any]] = [[own or template for template, own in headers.items()]]
    for n, row in enumerate(rows, start=1):
        out.append([row.get(t, "") if own is not None else (n if t == "序号" else f"联系人{n}")
                    for t, own in headers.items()])
    return out


def own_xlsx(
    matrix: list[list[Any]], *, sheet: str = "Sheet1", title_rows: int = 2, others: dict | None = None
) -> bytes:
    """A workbook with ``others`` sheets first, then ``sheet``: a title merged across row 1, blank rows down to
    the header."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in (others or {}).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    ws = wb.create_sheet(sheet)
    if title_rows:
        ws.cell(1, 1, "2024年度帮扶台账（本机构格式）")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(matrix[0]))
    for r, values in enumerate(matrix, start=title_rows + 1):
        for c, value in enumerate(values, start=1):
            if value not in ("", None):
                ws.cell(r, c, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ods_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An OpenDocument spreadsheet as LibreOffice or WPS save it (the parts a reader needs)."""
    body = []
    for name, rows in sheets.items():
        body.append(f"<table:table table:name={quoteattr(name)}>")
        for row in rows:
            body.append("<table:table-row>")
            for v in row:
                if v is None or v == "":
                    body.append("<table:table-cell/>")
                elif isinstance(v, str):
                    body.append(f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p>'
                                "</table:table-cell>")
                elif isinstance(v, dt.date):
                    body.append(f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                                f"<text:p>{v.isoformat()}</text:p></table:table-cell>")
                else:
                    body.append(f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}'
                                "</text:p></table:table-cell>")
            body.append("</table:table-row>")
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def text_bytes(matrix: list[list[Any]], *, encoding: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in matrix:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def renamed_stream(content: bytes, old: str, new: str) -> bytes:
    """A compound file with the directory entry ``old`` renamed ``new`` (name and its length)."""
    raw = old.encode("utf-16-le")
    at = content.index(raw)
    name = new.encode("utf-16-le") + b"\x00\x00"
    entry = name + b"\x00" * (64 - len(name)) + struct.pack("<H", len(name))
    return content[:at] + entry + content[at + 66 :]


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
def answer(django_capture_on_commit_callbacks):
    def _answer(user, item: LedgerUpload, data: dict[str, Any]) -> LedgerUpload:
        with django_capture_on_commit_callbacks(execute=True):
            ledger_upload_map_columns(actor=user, upload=item, data=data)
        item.refresh_from_db()
        return item

    return _answer


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def _commit(user, item: LedgerUpload) -> LedgerUpload:
        with django_capture_on_commit_callbacks(execute=True):
            ledger_upload_commit(actor=user, upload=item)
        item.refresh_from_db()
        return item

    return _commit


def uscc_of(rows: list[dict[str, Any]]) -> set[str]:
    return {r["统一社会信用代码"] for r in rows}


def stored(user) -> set[str]:
    return set(LedgerRecord.objects.filter(certification_body=user.certification_body)
               .values_list("enterprise__uscc", flat=True))


# ---- formats ------------------------------------------------------------------------------------------------
def _dated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "开始日期": dt.date(YEAR, 7, 1), "结束日期": dt.date(YEAR, 9, 30)} for r in rows]


FORMATS = {
    # name: (file name, bytes of the CB's own table of ``rows``, the kind inspect_file says)
    "xlsx": lambda rows: ("own.xlsx", own_xlsx(own_matrix(rows)), "xlsx"),
    "ods": lambda rows: ("own.ods", ods_bytes({"工作表1": [["2024年度帮扶台账"], [], *own_matrix(_dated(rows))]}),
                         "ods"),
    "csv-utf8-bom": lambda rows: ("own.csv", text_bytes(own_matrix(rows), encoding="utf-8-sig"), "csv"),
    "csv-utf8": lambda rows: ("own.csv", text_bytes(own_matrix(rows), encoding="utf-8"), "csv"),
    "csv-gb18030": lambda rows: ("own.csv", text_bytes(own_matrix(rows), encoding="gb18030"), "csv"),
    # Excel's "Unicode text": UTF-16 (little-endian, with its BOM), tab-separated, a title line above.
    "unicode-text": lambda rows: (
        "own.txt", text_bytes([["2024年度帮扶台账"], *own_matrix(rows)], encoding="utf-16", delimiter="\t"), "txt"
    ),
    "tab-text-gb18030": lambda rows: (
        "own.txt", text_bytes(own_matrix(rows), encoding="gb18030", delimiter="\t"), "csv"
    ),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_a_cb_saves_in_is_read_with_its_own_columns(open_year, upload, commit, fmt, tmp_path):
    user = cb_user()
    rows = [ledger_row(), ledger_row(**{"企业名称": "天津另一家测试有限公司"})]
    name, content, kind = FORMATS[fmt](rows)
    path = tmp_path / name
    path.write_bytes(content)
    assert inspect_file(path).kind == kind
    item = upload(user, content, name)
    assert item.status == UploadStatus.READY, item.message
    assert (item.total_rows, item.new_count, item.failed_count) == (2, 2, 0), item.errors
    assert item.file_format == kind
    # 序号 and 联系人 are no column: ignored, and the preview says so.
    assert sorted(item.header_map["ignored"]) == ["序号", "联系人"]
    assert {w["column"] for w in item.warnings_list} == {"序号", "联系人"}
    how = {m["key"]: m["how"] for m in item.header_map["matched"]}
    assert how["uscc"] == "synonym" and how["employees"] == "near" and how["revenue"] == "exact"
    commit(user, item)
    assert stored(user) == uscc_of(rows)


def test_an_old_xls_with_a_title_row_and_date_cells_is_read(open_year, upload, commit):
    user = cb_user()
    item = upload(user, OWN_XLS.read_bytes(), "own.xls")
    assert item.status == UploadStatus.READY, item.message
    assert item.file_format == "xls"
    assert (item.header_map["sheet"], item.header_map["header_row"]) == ("Sheet1", 3)
    assert (item.new_count, item.failed_count) == (2, 0), item.errors
    commit(user, item)
    assert stored(user) == set(OWN_XLS_USCC)
    record = LedgerRecord.objects.get(enterprise__uscc=OWN_XLS_USCC[1])
    assert (record.start_date, record.end_date) == (dt.date(2024, 8, 1), dt.date(2024, 10, 15))


def test_a_wps_file_that_is_no_excel_workbook_says_how_to_save_it(open_year, upload, tmp_path):
    content = renamed_stream(OWN_XLS.read_bytes(), "Workbook", "ETSheets")
    item = upload(cb_user(), content, "台账.et")
    assert item.status == UploadStatus.REJECTED
    assert "WPS" in item.message and "另存为" in item.message and "*.xlsx" in item.message
    encrypted = renamed_stream(OWN_XLS.read_bytes(), "Workbook", "EncryptedPackage")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted)
    with pytest.raises(UploadRejected, match="已加密"):
        inspect_file(path)


def test_a_garbled_compound_file_is_refused_not_a_500(open_year, upload):
    content = OWN_XLS.read_bytes()[:520] + b"\xff" * 600
    item = upload(cb_user(), content, "own.xls")
    assert item.status == UploadStatus.REJECTED
    assert "另存为" in item.message


def test_an_ods_goes_through_the_zip_guards(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"<a>" + b"0" * (50 * 1024 * 1024) + b"</a>")
    path = tmp_path / "bomb.ods"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UploadRejected, match="疑似压缩炸弹"):
        inspect_file(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UploadRejected, match="DTD"):
        inspect_file(path)


def test_utf16_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"\xff\xfe" + "统一社会信用代码\t企业名称\r\n".encode("utf-16-le") + b"\x00\xd8")
    with pytest.raises(UploadRejected, match="UTF-16"):
        inspect_file(path)


# ---- the table: sheet and header row ----------------------------------------------------------------------
def test_the_sheet_whose_rows_match_the_headers_is_found_and_its_header_below_titles(open_year, upload):
    user = cb_user()
    rows = [ledger_row(), ledger_row(**{"行业": "?"})]
    notes = {"说明": [["本表说明"], ["统一社会信用代码", "填18位"]], "汇总": [["行业", "户数"], ["工业", 2]]}
    item = upload(user, own_xlsx(own_matrix(rows), sheet="帮扶明细", title_rows=3, others=notes))
    assert item.status == UploadStatus.READY, item.message
    assert (item.header_map["sheet"], item.header_map["header_row"]) == ("帮扶明细", 4)
    # Row numbers are the sheet's: header in row 4, the bad row is row 6.
    assert [(e["row"], e["column"]) for e in item.errors] == [(6, "行业")]


def test_the_template_sheet_is_taken_first(open_year, upload):
    user = cb_user()
    rows = [ledger_row()]
    wb = Workbook()
    other = wb.active
    other.title = "Sheet1"
    other.append(["统一社会信用代码", "企业名称", "所在区县代码", "行业"])  # a stray table, read nowhere
    data = wb.create_sheet("台账")
    data.append(list(rows[0]))
    data.append(list(rows[0].values()))
    buffer = io.BytesIO()
    wb.save(buffer)
    item = upload(user, buffer.getvalue())
    assert item.status == UploadStatus.READY, item.message
    assert item.header_map["sheet"] == "台账" and item.new_count == 1


def test_a_file_with_no_ledger_table_is_refused_clearly(open_year, upload):
    content = own_xlsx([["姓名", "电话"], ["张三", "1"]], sheet="通讯录")
    item = upload(cb_user(), content)
    assert item.status == UploadStatus.REJECTED
    assert item.message.startswith("没有找到台账表格：各工作表前10行中都没有与台账列名相符的表头行")
    assert "台账模板" in item.message
    csv_item = upload(cb_user(), "姓名,电话\n张三,1\n".encode(), "x.csv")
    assert csv_item.status == UploadStatus.REJECTED and csv_item.message.startswith("没有找到台账表格")


def test_a_required_column_missing_with_nothing_to_choose_is_refused(open_year, upload):
    headers = {k: v for k, v in OWN_HEADERS.items() if k not in {"企业名称", "序号", "联系人"}}
    item = upload(cb_user(), own_xlsx(own_matrix([ledger_row()], headers)))
    assert item.status == UploadStatus.REJECTED
    assert item.message.startswith("表头缺少必填列：企业名称。")


# ---- synonyms and near forms --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "key", "how"),
    [
        ("统一社会信用代码", "uscc", "exact"),
        ("*统一社会信用代码", "uscc", "exact"),
        ("社会信用代码", "uscc", "synonym"),
        ("信用代码", "uscc", "synonym"),
        ("统一社会信用代码（18位）", "uscc", "near"),
        ("统一社会信用代码(18位)", "uscc", "near"),
        ("单位名称", "name", "synonym"),
        ("企业名称：", "name", "exact"),
        ("从业人员", "employees", "near"),
        ("从业人员(人)", "employees", "exact"),
        ("营业收入", "revenue", "near"),
        ("质量管理", "dim:quality_mgmt", "synonym"),
        ("帮扶开始日期", "start_date", "synonym"),
        ("ＵＳＣＣ", "uscc", "synonym"),
    ],
)
def test_headers_match_by_name_synonym_and_near_form(header, key, how):
    assert VOCABULARY.match(norm_header(header)) == (key, how)


@pytest.mark.parametrize("header", ["序号", "联系人", "营业收入（元）", "认证费用（万元）", "名称备注", ""])
def test_what_is_no_column_or_has_another_unit_is_not_matched(header):
    assert VOCABULARY.match(norm_header(header)) is None


def test_the_exact_header_wins_over_a_synonym_of_the_same_column(open_year, upload):
    """“企业名称” and “单位名称” both present: the template's header is read, the other ignored."""
    headers = {**OWN_HEADERS, "企业名称": "企业名称", "单位": "单位名称"}
    rows = [{**ledger_row(), "单位": "帮扶单位甲"}]
    matrix = own_matrix(rows, headers)
    item = upload(cb_user(), own_xlsx(matrix))
    assert item.status == UploadStatus.READY, item.message
    assert "单位名称" in item.header_map["ignored"]


# ---- the mapping step ---------------------------------------------------------------------------------------
MAPPED_HEADERS = {**OWN_HEADERS, "企业名称": "受助企业"}  # not a synonym: asked


def test_an_unmatched_required_column_is_asked_then_remembered(open_year, upload, answer, commit, login):
    user = cb_user()
    rows = [ledger_row(), ledger_row()]
    item = upload(user, own_xlsx(own_matrix(rows, MAPPED_HEADERS)))
    assert item.status == UploadStatus.MAPPING, item.message
    assert [m["key"] for m in item.header_map["missing"]] == ["name"]
    choices = {c["header"]: c["position"] for c in item.header_map["candidates"]}
    assert set(choices) == {"序号", "受助企业", "联系人"}
    page = login(user).get(reverse("enterprises:upload_detail", args=[item.pk])).content.decode()
    assert page.count('data-testid="mapping-question"') == 1 and "B列：受助企业" in page
    # Answered: validated again, with the answer.
    item = answer(user, item, {"col-name": str(choices["受助企业"])})
    assert item.status == UploadStatus.READY, item.message
    assert item.new_count == 2 and item.header_map["answers"] == {"name": choices["受助企业"]}
    assert list(HeaderMapping.objects.filter(certification_body=user.certification_body)
                .values_list("kind", "header", "key")) == [("ledger", "受助企业", "name")]
    commit(user, item)
    assert set(LedgerRecord.objects.values_list("reported_name", flat=True)) == {rows[0]["企业名称"]}
    # The next file with the same header: nothing asked, the remembered answer is used and shown.
    more = [ledger_row(**{"企业名称": "天津第三家测试有限公司"})]
    again = upload(user, own_xlsx(own_matrix(more, MAPPED_HEADERS)))
    assert again.status == UploadStatus.READY, again.message
    assert {m["key"]: m["how"] for m in again.header_map["matched"]}["name"] == "remembered"
    page = login(user).get(reverse("enterprises:upload_detail", args=[again.pk])).content.decode()
    assert "按本机构上次的选择" in page and "mapping-question" not in page
    # Another CB's file with the same header is still asked: answers are per CB.
    other = upload(cb_user(), own_xlsx(own_matrix(more, MAPPED_HEADERS)))
    assert other.status == UploadStatus.MAPPING


def test_answers_must_name_a_column_of_the_file_once(open_year, upload, answer):
    user = cb_user()
    headers = {**MAPPED_HEADERS, "所在区县代码": "地区"}
    item = upload(user, own_xlsx(own_matrix([ledger_row()], headers)))
    assert item.status == UploadStatus.MAPPING
    assert [m["key"] for m in item.header_map["missing"]] == ["name", "district"]
    positions = {c["header"]: c["position"] for c in item.header_map["candidates"]}
    with pytest.raises(ValidationError) as excinfo:
        ledger_upload_map_columns(actor=user, upload=item, data={"col-name": str(positions["受助企业"])})
    assert excinfo.value.messages == ["请为“所在区县代码”选择文件中的一列。"]
    with pytest.raises(ValidationError) as excinfo:
        ledger_upload_map_columns(actor=user, upload=item, data={"col-name": "1", "col-district": "1"})
    assert "选择了同一列（B列）" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        ledger_upload_map_columns(actor=user, upload=item, data={"col-name": "99", "col-district": "x"})
    item.refresh_from_db()
    assert item.status == UploadStatus.MAPPING and not HeaderMapping.objects.exists()
    item = answer(user, item, {"col-name": str(positions["受助企业"]), "col-district": str(positions["地区"])})
    assert item.status == UploadStatus.READY and item.new_count == 1


def test_two_synonyms_of_one_required_column_are_asked(open_year, upload):
    headers = {**OWN_HEADERS, "统一社会信用代码": "社会信用代码", "备注": "信用代码"}
    rows = [{**ledger_row(), "备注": "x"}]
    item = upload(cb_user(), own_xlsx(own_matrix(rows, headers)))
    assert item.status == UploadStatus.MAPPING
    assert [m["key"] for m in item.header_map["missing"]] == ["uscc"]
    assert {"社会信用代码", "信用代码"} <= {c["header"] for c in item.header_map["candidates"]}


def test_the_mapping_step_is_the_cbs_own(open_year, upload, login, client):
    owner = cb_user()
    item = upload(owner, own_xlsx(own_matrix([ledger_row()], MAPPED_HEADERS)))
    assert item.status == UploadStatus.MAPPING
    url = reverse("enterprises:upload_detail", args=[item.pk])
    intruder = cb_user()
    client.force_login(intruder)
    assert client.get(url).status_code == 404
    assert client.post(url, {"col-name": "1"}).status_code == 404
    item.refresh_from_db()
    assert item.status == UploadStatus.MAPPING and not HeaderMapping.objects.exists()


def test_the_mapping_step_through_the_page(open_year, login, django_capture_on_commit_callbacks, upload):
    user = cb_user()
    item = upload(user, own_xlsx(own_matrix([ledger_row()], MAPPED_HEADERS)))
    client = login(user)
    url = reverse("enterprises:upload_detail", args=[item.pk])
    page = client.post(url, {"col-name": ""}, follow=True).content.decode()
    assert "请为“企业名称”选择文件中的一列。" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"col-name": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == UploadStatus.READY and item.new_count == 1
    # Discarding a parked upload is possible too. (受助企业 is remembered by now: two other columns are asked.)
    headers = {**MAPPED_HEADERS, "所在区县代码": "地区", "行业": "门类"}
    parked = upload(user, own_xlsx(own_matrix([ledger_row()], headers)))
    assert parked.status == UploadStatus.MAPPING
    assert [m["key"] for m in parked.header_map["missing"]] == ["district", "industry"]
    # Half answered: asked again for the rest, the answer given kept in the form.
    page = client.post(reverse("enterprises:upload_detail", args=[parked.pk]), {"col-district": "3"},
                       follow=True).content.decode()
    assert "请为“行业”选择文件中的一列。" in page
    assert '<option value="3" selected>D列：地区</option>' in page
    client.post(reverse("enterprises:upload_discard", args=[parked.pk]))
    parked.refresh_from_db()
    assert parked.status == UploadStatus.DISCARDED


# ---- the preview: what changes ------------------------------------------------------------------------------
def test_the_preview_shows_before_and_after_of_changed_records_and_the_new_enterprises(
    open_year, upload, commit, login
):
    user = cb_user()
    first = [ledger_row() for _ in range(3)]
    commit(user, upload(user, xlsx_bytes(first)))
    changed = [
        {**first[0], "从业人员（人）": 50, "帮扶方式：专家进企": "是"},
        {**first[1], "结束日期": f"{YEAR}-10-31", "行业": "建筑业"},
        first[2],
        ledger_row(**{"企业名称": "天津新来的测试有限公司"}),
    ]
    item = upload(user, xlsx_bytes(changed))
    assert (item.new_count, item.changed_count, item.unchanged_count) == (1, 2, 1)
    client = login(user)
    page = client.get(reverse("enterprises:upload_detail", args=[item.pk])).content.decode()
    assert 'data-testid="changed-records"' in page
    assert "从业人员（人）" in page and "45" in page and "→ 50" in page
    assert "把脉问诊/质量诊断" in page and "→ 把脉问诊/质量诊断、专家进企" in page
    assert "2024-09-30" in page and "→ 2024-10-31" in page
    assert "→ 建筑业" in page
    assert "入库后将新建1家企业" in page
    new = client.get(reverse("enterprises:upload_detail", args=[item.pk]) + "?show=new").content.decode()
    assert "天津新来的测试有限公司" in new and 'data-testid="new-enterprise"' in new


def test_the_changed_records_are_paginated(open_year, upload, commit, login, django_assert_max_num_queries):
    user = cb_user()
    first = [ledger_row() for _ in range(25)]
    commit(user, upload(user, xlsx_bytes(first)))
    item = upload(user, xlsx_bytes([{**r, "从业人员（人）": 46} for r in first]))
    assert item.changed_count == 25
    client = login(user)
    url = reverse("enterprises:upload_detail", args=[item.pk])
    page1 = client.get(url).content.decode()
    assert page1.count('data-testid="change"') == 20 and "第 1 / 2 页" in page1
    page2 = client.get(url + "?show=changed&page=2").content.decode()
    assert page2.count('data-testid="change"') == 5
