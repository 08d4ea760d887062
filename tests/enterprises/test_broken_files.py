"""Broken files are refused with a message saying what to do, never an error page or an upload stuck in
“校验中”: corrupt sheet XML, a truncated part, a part that holds more than its header declares, calamine errors
raised while the rows are read; and a validation job that fails for any other reason leaves an upload that
says so and can be discarded."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineError

from enterprises.intake.files import UploadRejected, inspect_file
from enterprises.ledger.services import ledger_upload_create, ledger_upload_discard
from enterprises.models import LedgerRecord, LedgerStagingRow, LedgerUpload, TrainingRecord, UploadStatus
from enterprises.training.pipeline import training_upload
from reporting.models import Job, JobStatus
from tests.enterprises.factories import ledger_row, xlsx_bytes
from tests.factories import cb_user

pytestmark = pytest.mark.django_db
YEAR = 2024
SHEET = "xl/worksheets/sheet1.xml"


# ---- crafted files --------------------------------------------------------------------------------------
def _rebuild(content: bytes, name: str, data: bytes, compress_type: int = zipfile.ZIP_DEFLATED) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            if item.filename == name:
                archive.writestr(name, data, compress_type=compress_type)
            else:
                archive.writestr(item.filename, source.read(item))
    return out.getvalue()


def _patch_headers(content: bytes, name: str, **fields: int) -> bytes:
    """Overwrite fields of a member's local header and central directory entry (file_size, crc, method)."""
    local_at = {"method": 8, "crc": 14, "file_size": 22}
    central_at = {"method": 10, "crc": 16, "file_size": 24}
    data = bytearray(content)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    assert data[info.header_offset : info.header_offset + 4] == b"PK\x03\x04"
    for key, value in fields.items():
        fmt = "<H" if key == "method" else "<I"
        struct.pack_into(fmt, data, info.header_offset + local_at[key], value)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        (name_len,) = struct.unpack_from("<H", data, pos + 28)
        if bytes(data[pos + 46 : pos + 46 + name_len]).decode() == name:
            for key, value in fields.items():
                struct.pack_into("<H" if key == "method" else "<I", data, pos + central_at[key], value)
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def _sheet_of(content: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read(SHEET)


def bogus_sheet(content: bytes) -> bytes:
    """Well-formed XML the guards accept, that calamine cannot read (a shared string that does not exist)."""
    return _rebuild(
        content,
        SHEET,
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="s"><v>9999</v></c></row></sheetData></worksheet>',
    )


def garbage_sheet(content: bytes) -> bytes:
    """A sheet part that starts like XML and goes on with 3 MB of bytes that are no UTF-8 (only the prolog of a
    part this big is parsed by the guards); it packs to about 1.5 MB, an ordinary ratio."""
    head = _sheet_of(content).split(b"<sheetData>")[0] + b"<sheetData>"
    noise = bytes(0x80 + b % 16 for b in random.Random(7).randbytes(3 * 1024 * 1024))
    return _rebuild(content, SHEET, head + noise)


def truncated_part(content: bytes) -> bytes:
    """The sheet's deflate stream cut in half, the headers still declaring the whole part."""
    real = _sheet_of(content)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(real) + packer.flush()
    broken = _rebuild(content, SHEET, stream[: len(stream) // 2], compress_type=zipfile.ZIP_STORED)
    return _patch_headers(broken, SHEET, method=zipfile.ZIP_DEFLATED, crc=zlib.crc32(real), file_size=len(real))


def truncated_zip(content: bytes) -> bytes:
    return content[: len(content) * 2 // 3]


def understated(content: bytes) -> bytes:
    """The sheet's headers declare 100 bytes; it really holds several KB (what a zip bomb would do)."""
    return _patch_headers(content, SHEET, file_size=100)


BROKEN = {
    "bogus-sheet-xml": bogus_sheet,
    "garbage-sheet-xml": garbage_sheet,
    "truncated-part": truncated_part,
    "truncated-zip": truncated_zip,
    "understated-size": understated,
}


def training_row(n: int = 1) -> dict[str, Any]:
    return {
        "培训日期": f"{YEAR}-06-{n % 28 + 1:02d}",
        "主办单位": "北辰区市场监管局",
        "培训主题": f"质量管理体系培训第{n}期",
        "形式": "线下",
        "区县代码": "120113",
        "参训企业（家）": 12,
        "参训人次": 30,
    }


def training_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    from enterprises.training.columns import DATA_SHEET, HEADERS

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(HEADERS)
    for values in rows:
        ws.append([values.get(h, "") for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def post_ledger(login, django_capture_on_commit_callbacks):
    """Post a file on the upload page and run the jobs it queues, as the worker would."""

    def _post(user, content: bytes, name: str = "ledger.xlsx"):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("enterprises:upload_list"), {"year": YEAR, "file": SimpleUploadedFile(name, content)}
            )
        return client, response

    return _post


def assert_settled(client, upload: LedgerUpload) -> str:
    """The upload is finished (refused or failed), its status panel stops polling, its page says why."""
    assert upload.status in {UploadStatus.REJECTED, UploadStatus.FAILED}, upload.status
    assert upload.message
    status = client.get(reverse("enterprises:upload_status", args=[upload.pk]), HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    assert "every 1s" not in status.content.decode()
    page = client.get(reverse("enterprises:upload_detail", args=[upload.pk])).content.decode()
    assert "every 1s" not in page and upload.message in page
    assert not LedgerStagingRow.objects.filter(upload=upload).exists()
    assert LedgerRecord.objects.count() == 0
    return page


# ---- the ledger upload -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_xlsx_is_refused_by_the_ledger_upload_with_what_to_do(open_year, post_ledger, kind):
    user = cb_user()
    client, response = post_ledger(user, BROKEN[kind](xlsx_bytes([ledger_row(), ledger_row()])))
    assert response.status_code == 302, response.status_code
    upload = LedgerUpload.objects.get()
    assert_settled(client, upload)
    assert "另存为" in upload.message or "重新保存" in upload.message, upload.message
    if upload.job_id:
        assert Job.objects.get(pk=upload.job_id).status != JobStatus.FAILED
    # Refused: the user can clear it away and upload again.
    ledger_upload_discard(actor=user, upload=upload)
    assert LedgerUpload.objects.get().status == UploadStatus.DISCARDED


def test_a_part_bigger_than_declared_is_refused_by_the_guards(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(understated(xlsx_bytes([ledger_row()])))
    with pytest.raises(UploadRejected) as excinfo:
        inspect_file(path)
    assert "实际内容比声明的大" in str(excinfo.value) and SHEET in str(excinfo.value)


class _BreakingSheet:
    """A calamine sheet whose rows fail after the header and two data rows (calamine raises while iterating)."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows
        self.start = (0, 0)
        self.end = (len(rows) + 5, len(rows[0]) - 1)
        self.height = len(rows) + 6
        self.merged_cell_ranges: list[Any] = []

    def iter_rows(self):
        yield from self.rows
        raise CalamineError("XmlError: unexpected end of stream")


class _Workbook:
    def __init__(self, sheet_name: str, rows: list[list[Any]]) -> None:
        self.sheet_names = [sheet_name]
        self.sheet = _BreakingSheet(rows)

    def get_sheet_by_name(self, name: str) -> _BreakingSheet:
        return self.sheet


def _breaking_workbook(monkeypatch, sheet_name: str, headers: list[str], rows: list[dict[str, Any]]) -> None:
    matrix = [list(headers), *[[r.get(h, "") for h in headers] for r in rows]]
    monkeypatch.setattr(
        "enterprises.intake.reader.CalamineWorkbook",
        type("W", (), {"from_path": staticmethod(lambda path: _Workbook(sheet_name, matrix))}),
    )


def test_a_calamine_error_while_the_rows_are_read_names_the_last_good_row(open_year, post_ledger, monkeypatch):
    from enterprises.ledger.columns import DATA_SHEET, HEADERS

    _breaking_workbook(monkeypatch, DATA_SHEET, HEADERS, [ledger_row(), ledger_row()])
    client, response = post_ledger(cb_user(), xlsx_bytes([ledger_row()]))
    assert response.status_code == 302
    upload = LedgerUpload.objects.get()
    assert upload.status == UploadStatus.REJECTED, upload.status
    assert "文件已损坏，无法读取第3行之后的内容" in upload.message and "另存为.xlsx" in upload.message
    assert_settled(client, upload)


def test_a_calamine_error_while_the_training_rows_are_read_is_a_form_error(client, open_year, monkeypatch):
    from enterprises.training.columns import DATA_SHEET, HEADERS

    _breaking_workbook(monkeypatch, DATA_SHEET, HEADERS, [training_row(1), training_row(2)])
    client.force_login(cb_user())
    response = client.post(
        reverse("enterprises:training_upload"),
        {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", training_xlsx([training_row(1)]))},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="training-upload-error"' in page and "无法读取第3行之后的内容" in page
    assert TrainingRecord.objects.count() == 0


# ---- the training upload ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_xlsx_is_a_form_error_on_the_training_upload_page(client, open_year, kind):
    user = cb_user()
    client.force_login(user)
    content = BROKEN[kind](training_xlsx([training_row(1), training_row(2)]))
    response = client.post(
        reverse("enterprises:training_upload"), {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="training-upload-error"' in page
    assert "另存为" in page or "重新保存" in page
    assert TrainingRecord.objects.count() == 0


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_training_upload_refuses_a_broken_xlsx(open_year, kind):
    content = BROKEN[kind](training_xlsx([training_row(1)]))
    with pytest.raises(UploadRejected) as excinfo:
        training_upload(actor=cb_user(), year=YEAR, uploaded_file=SimpleUploadedFile("t.xlsx", content))
    assert str(excinfo.value)
    assert TrainingRecord.objects.count() == 0


def test_a_csv_that_cannot_be_parsed_is_a_form_error_naming_the_row(client, open_year):
    from enterprises.training.columns import HEADERS

    lines = [",".join(HEADERS)] + [",".join(str(v) for v in training_row(n).values()) for n in (1, 2)]
    content = ("\n".join(lines) + '\n"' + "很长的内容" * 30000 + '",x\n').encode()
    client.force_login(cb_user())
    response = client.post(
        reverse("enterprises:training_upload"), {"year": YEAR, "file": SimpleUploadedFile("t.csv", content)}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "CSV文件格式错误（第4行）" in page


# ---- a validation job that fails for any reason ------------------------------------------------------------
def test_a_failing_validation_job_fails_the_upload_which_can_be_discarded(
    open_year, post_ledger, monkeypatch, caplog
):
    user = cb_user()

    def explode(self, number, row):
        raise RuntimeError("unexpected fault in the rules")

    monkeypatch.setattr("enterprises.ledger.rules.RowParser.parse", explode)
    client, _response = post_ledger(user, xlsx_bytes([ledger_row()]))
    upload = LedgerUpload.objects.get()
    assert upload.status == UploadStatus.FAILED
    assert upload.message == "校验时出错，本次上传未保存任何记录，请放弃后重新上传；如仍失败请联系管理员。"
    assert Job.objects.get(pk=upload.job_id).status == JobStatus.FAILED
    assert "unexpected fault in the rules" in caplog.text  # logged
    page = assert_settled(client, upload)
    assert 'data-testid="discard"' in page
    assert "unexpected fault" not in page  # no technical text for the user
    client.post(reverse("enterprises:upload_discard", args=[upload.pk]))
    assert LedgerUpload.objects.get(pk=upload.pk).status == UploadStatus.DISCARDED
    # Once the fault is gone the same file goes through.
    monkeypatch.undo()
    _client, _response = post_ledger(user, xlsx_bytes([ledger_row()]))
    assert LedgerUpload.objects.exclude(pk=upload.pk).get().status == UploadStatus.READY


def test_an_upload_whose_job_failed_before_stops_polling_and_can_be_discarded(
    open_year, login, django_capture_on_commit_callbacks
):
    """Uploads left “校验中” by a job that failed (before the job said so on the upload, or outside its
    handler): the page tells what happened instead of polling forever, and the upload can be discarded."""
    user = cb_user()
    with django_capture_on_commit_callbacks(execute=False):
        upload = ledger_upload_create(
            actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("x.xlsx", xlsx_bytes([ledger_row()]))
        )
    Job.objects.filter(pk=upload.job_id).update(status=JobStatus.FAILED, error="Traceback: boom")
    client = login(user)
    status = client.get(reverse("enterprises:upload_status", args=[upload.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true" and "every 1s" not in status.content.decode()
    page = client.get(reverse("enterprises:upload_detail", args=[upload.pk])).content.decode()
    assert "every 1s" not in page and "校验时出错，本次上传未保存任何记录" in page
    assert "Traceback" not in page
    ledger_upload_discard(actor=user, upload=upload)
    assert LedgerUpload.objects.get(pk=upload.pk).status == UploadStatus.DISCARDED


def test_a_running_validation_still_polls_and_cannot_be_discarded(open_year, login, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    user = cb_user()
    with django_capture_on_commit_callbacks(execute=False):
        upload = ledger_upload_create(
            actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("x.xlsx", xlsx_bytes([ledger_row()]))
        )
    status = login(user).get(reverse("enterprises:upload_status", args=[upload.pk]), HTTP_HX_REQUEST="true")
    assert "every 1s" in status.content.decode() and "HX-Refresh" not in status
    with pytest.raises(ValidationError):
        ledger_upload_discard(actor=user, upload=upload)
