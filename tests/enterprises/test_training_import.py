"""Training records in bulk: the template, the all-or-nothing upload page and the batch API, the year lock,
tenant isolation and formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.models import TrainingRecord
from enterprises.training.columns import DATA_SHEET, HEADERS, MAX_ROWS
from enterprises.training.exports import training_export
from enterprises.training.pipeline import training_upload
from portal.models import AuditEvent
from programme.models import Deadline, DeadlineException, DeadlineKind
from reporting.models import Job
from tests.factories import cb_user, district_user, enterprise_user, hq_user, province_user, unit

pytestmark = pytest.mark.django_db
YEAR = 2024
UPLOAD = "enterprises:training_upload"
API = "/api/training-records/"


@pytest.fixture
def training_open(db):
    """Keep the 2024 training deadline (2024-10-31, passed) open for these tests."""
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.TRAINING).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )
    return YEAR


def row(n: int = 1, **overrides: Any) -> dict[str, Any]:
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


def xlsx_file(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    """Rows written into the downloaded template itself (the round trip a CB makes)."""
    from enterprises.training.template import template_xlsx

    headers = headers or HEADERS
    wb = load_workbook(io.BytesIO(template_xlsx(year=YEAR)))
    ws = wb[DATA_SHEET]
    for col, header in enumerate(headers, start=1):
        ws.cell(row=1, column=col, value=header)
    for r, values in enumerate(rows, start=2):
        for col, header in enumerate(headers, start=1):
            cell = ws.cell(row=r, column=col, value=values.get(header, ""))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # what Excel stores for typed text, even text starting with "="
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for values in rows:
        writer.writerow([values.get(h, "") for h in HEADERS])
    return buffer.getvalue().encode(encoding)


def post_file(client, user, content: bytes, name: str = "training.xlsx", year: int = YEAR):
    client.force_login(user)
    return client.post(reverse(UPLOAD), {"year": year, "file": SimpleUploadedFile(name, content)})


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_record(n: int = 1, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "held_on": f"{YEAR}-05-{n % 28 + 1:02d}",
        "organiser": "西青区市场监管局",
        "topic": f"认证提升行动宣贯{n}",
        "delivery": "online",
        "district_code": "120111",
        "enterprise_count": 5,
        "person_count": 9,
    }
    record.update(overrides)
    return record


# ---- upload page ------------------------------------------------------------------------------------
def test_a_good_xlsx_commits_every_row_and_audits_each(client, training_open):
    user = cb_user()
    response = post_file(client, user, xlsx_file([row(n) for n in range(1, 26)]))
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:training_list")
    records = TrainingRecord.objects.filter(certification_body=user.certification_body)
    assert records.count() == 25
    first = records.get(topic="质量管理体系培训第1期")
    assert (first.held_on, first.district.code, first.delivery, first.enterprise_count, first.person_count) == (
        dt.date(YEAR, 6, 2),
        "120113",
        "offline",
        12,
        30,
    )
    assert first.source == "upload"
    assert (
        AuditEvent.objects.filter(object_type="enterprises.trainingrecord", actor=user, action="create").count() == 25
    )
    page = client.get(response["Location"]).content.decode()
    assert "已处理25条培训记录：新增25条，更新0条，未变化0条。" in page


def test_a_gb18030_csv_and_a_bom_utf8_csv_are_read(client, training_open):
    user = cb_user()
    assert post_file(client, user, csv_file([row(1), row(2)], "gb18030"), "t.csv").status_code == 302
    assert post_file(client, user, csv_file([row(3)], "utf-8-sig"), "t.csv").status_code == 302
    assert post_file(client, user, csv_file([row(4)], "utf-8"), "t.csv").status_code == 302
    topics = set(TrainingRecord.objects.values_list("topic", flat=True))
    assert topics == {f"质量管理体系培训第{n}期" for n in (1, 2, 3, 4)}


def test_two_bad_rows_store_nothing_and_report_each_row_and_column(client, training_open):
    user = cb_user()
    rows = [row(n) for n in range(1, 6)]
    rows[1]["参训人次"] = 3  # fewer person-times than enterprises (row 3 of the sheet)
    rows[3]["区县代码"] = "120000"  # a province, not a district (row 5)
    response = post_file(client, user, xlsx_file(rows))
    assert response.status_code == 200
    assert TrainingRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="enterprises.trainingrecord").exists()
    failures = [(f.row, f.column) for f in response.context["failures"]]
    assert failures == [(3, "参训人次"), (5, "区县代码")]
    page = response.content.decode()
    assert "参训人次不能少于参训企业数" in page and "不是县级行政区划" in page
    assert "未保存任何记录" in page


def test_every_rule_of_the_single_record_applies(training_open):
    user = cb_user()
    TrainingRecord.objects.create(
        programme_year_id=YEAR,
        certification_body=user.certification_body,
        district=unit("120113"),
        held_on=dt.date(YEAR, 6, 2),
        organiser="x",
        topic="质量管理体系培训第1期",
        delivery="online",
        enterprise_count=1,
        person_count=1,
    )
    rows = [
        row(1),  # same date, district and topic as a stored record: an update, not an error
        row(2, 培训日期="2023-12-31"),  # outside the year
        row(3, 形式="函授"),
        row(4, **{"参训企业（家）": "-1"}),
        row(5, 主办单位="长" * 129),
        row(6, 培训主题=""),
        row(7),
        row(7),  # a duplicate inside the file
    ]
    from enterprises.training.pipeline import BatchRejected

    with pytest.raises(BatchRejected) as caught:
        training_upload(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("t.xlsx", xlsx_file(rows)))
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (3, "培训日期"),
        (4, "形式"),
        (5, "参训企业（家）"),
        (6, "主办单位"),
        (7, "培训主题"),
        (9, "培训主题"),
    ]
    assert "第8行" in caught.value.errors[-1].message
    assert TrainingRecord.objects.get().organiser == "x"  # the batch failed: the update is not kept either


def test_the_row_cap_is_stated_and_enforced(client, training_open):
    user = cb_user()
    client.force_login(user)
    assert f"最多{MAX_ROWS}行" in client.get(reverse(UPLOAD)).content.decode()
    rows = [row(n, 培训主题=f"t{n}") for n in range(MAX_ROWS + 1)]
    response = post_file(client, user, csv_file(rows), "big.csv")
    assert response.status_code == 200
    assert f"文件超过{MAX_ROWS}行" in response.content.decode()
    assert TrainingRecord.objects.count() == 0


def test_a_renamed_executable_is_refused(client, training_open):
    response = post_file(client, cb_user(), b"MZ\x90\x00" + b"\x00" * 100, "training.xlsx")
    assert "可执行程序" in response.content.decode()
    assert TrainingRecord.objects.count() == 0


# ---- the year lock ----------------------------------------------------------------------------------
def test_after_the_deadline_the_upload_and_the_api_are_blocked(client):
    user = cb_user()
    response = post_file(client, user, xlsx_file([row(1)]))  # 2024's training deadline has passed
    assert response.status_code == 200
    assert "截止报送" in response.content.decode()
    api = api_client(user).post(f"{API}batch/", {"programme_year": YEAR, "records": [api_record()]}, format="json")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "permission_denied" and "截止报送" in api.json()["error"]["message"]
    assert TrainingRecord.objects.count() == 0


def test_after_the_deadline_a_single_record_is_refused_too(client):
    from django.urls import reverse

    user = cb_user()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("enterprises:training_create"), {
        "programme_year": YEAR, "held_on": f"{YEAR}-08-01", "organiser": "北辰区市场监管局", "topic": "补录培训",
        "delivery": "offline", "enterprise_count": 3, "person_count": 5, "district_code": "120113",
    })
    assert response.status_code == 200 and "截止报送" in response.content.decode()
    assert TrainingRecord.objects.count() == 0


def test_a_dated_exception_for_the_cb_reopens_the_year(client):
    user = cb_user()
    deadline = Deadline.objects.get(programme_year_id=YEAR, kind=DeadlineKind.TRAINING)
    DeadlineException.objects.create(
        deadline=deadline,
        certification_body=user.certification_body,
        granted_by_unit=unit("120000"),
        granted_by=province_user("120000"),
        open_until=timezone.now() + dt.timedelta(days=3),
        reason="补报",
    )
    assert post_file(client, user, xlsx_file([row(1)])).status_code == 302
    other = cb_user()
    assert post_file(client, other, xlsx_file([row(1)])).status_code == 200  # the exception is not theirs
    assert TrainingRecord.objects.get().certification_body == user.certification_body


# ---- tenants and roles ------------------------------------------------------------------------------
def test_a_cb_cannot_upload_for_another_cb(client, training_open):
    a, b = cb_user(), cb_user()
    # An exported sheet of CB A's (it carries 年度 and 认证机构批准号) uploaded by CB B.
    headers = ["年度", "认证机构批准号", *HEADERS]
    rows = [{**row(1), "年度": YEAR, "认证机构批准号": a.certification_body.approval_number}]
    response = post_file(client, b, xlsx_file(rows, headers))
    assert [(f.row, f.column) for f in response.context["failures"]] == [(2, "认证机构批准号")]
    # Naming another CB in the API body is refused too; the CB always comes from the login.
    api = api_client(b).post(
        f"{API}batch/",
        {"programme_year": YEAR, "records": [api_record(certification_body=a.certification_body.pk)]},
        format="json",
    )
    assert api.status_code == 400
    assert api.json()["error"]["fields"]["records"]["0"]["certification_body"]
    assert TrainingRecord.objects.count() == 0


def test_api_batch_all_or_nothing_and_tenant_isolation(training_open):
    a, b = cb_user(), cb_user()
    records = [api_record(n) for n in range(10)]
    records[2]["person_count"] = 1
    records[7]["held_on"] = "2024-13-01"
    bad = api_client(a).post(f"{API}batch/", {"programme_year": YEAR, "records": records}, format="json")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid" and set(error) == {"code", "message", "fields"}
    assert set(error["fields"]["records"]) == {"2", "7"}
    assert "person_count" in error["fields"]["records"]["2"]
    assert "held_on" in error["fields"]["records"]["7"]
    assert TrainingRecord.objects.count() == 0

    records[2]["person_count"], records[7]["held_on"] = 9, "2024-12-01"
    good = api_client(a).post(f"{API}batch/", {"programme_year": YEAR, "records": records}, format="json")
    assert good.status_code == 201, good.content
    assert good.json()["created"] == 10
    assert AuditEvent.objects.filter(object_type="enterprises.trainingrecord", source="api", actor=a).count() == 10
    again = api_client(a).post(f"{API}batch/", {"programme_year": YEAR, "records": records[:1]}, format="json")
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 1  # sent again: nothing new

    mine = api_client(a).get(API, {"programme_year": YEAR}).json()
    assert mine["count"] == 10 and {r["certification_body"] for r in mine["results"]} == {
        a.certification_body.approval_number
    }
    assert api_client(b).get(API).json()["count"] == 0
    some_id = good.json()["ids"][0]
    assert api_client(b).get(f"{API}{some_id}/").status_code == 404
    assert api_client(district_user("120111")).get(API).json()["count"] == 10  # 西青区 staff see their area
    assert api_client(district_user("120113")).get(API).json()["count"] == 0
    assert api_client(hq_user()).get(API).json()["count"] == 10


@pytest.mark.parametrize("make_user", [lambda: district_user("120113"), enterprise_user, hq_user])
def test_only_cb_users_may_upload(client, training_open, make_user):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse(UPLOAD)).status_code == 404
    assert post_file(client, user, xlsx_file([row(1)])).status_code == 404
    api = api_client(user).post(f"{API}batch/", {"programme_year": YEAR, "records": [api_record()]}, format="json")
    assert api.status_code == 403 and api.json()["error"]["code"] == "permission_denied"
    assert TrainingRecord.objects.count() == 0


def test_the_list_links_to_the_upload_for_cb_users_only(client):
    client.force_login(cb_user())
    assert reverse(UPLOAD) in client.get(reverse("enterprises:training_list")).content.decode()
    client.force_login(district_user("120113"))
    assert reverse(UPLOAD) not in client.get(reverse("enterprises:training_list")).content.decode()


# ---- template and formula injection -----------------------------------------------------------------
def test_templates_download_with_chinese_headers_and_instructions(client):
    client.force_login(cb_user())
    response = client.get(reverse("enterprises:training_template", args=[YEAR, "xlsx"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["填写说明", DATA_SHEET]
    assert [c.value for c in wb[DATA_SHEET][1]] == HEADERS
    assert "2024年度" in wb["填写说明"]["A1"].value
    text = client.get(reverse("enterprises:training_template", args=[YEAR, "csv"])).content
    assert text.decode("utf-8-sig").strip() == ",".join(HEADERS)
    assert client.get(reverse("enterprises:training_template", args=[1999, "xlsx"])).status_code == 404


def test_formula_cells_are_refused_like_the_ledger_and_stored_text_exports_as_text(client, training_open, settings,
                                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = cb_user()
    evil = '=HYPERLINK("http://evil.example/","点击")'
    response = post_file(client, user, xlsx_file([row(1, 培训主题=evil, 主办单位="@SUM(1+1)")]))
    page = response.content.decode()
    assert response.status_code == 200 and not TrainingRecord.objects.exists()
    assert "“培训主题”不能以 = + - @ 开头" in page and "“主办单位”不能以 = + - @ 开头" in page
    # Text a person typed that only starts like a number is text, on this path as on the ledger's.
    assert post_file(client, user, xlsx_file([row(1, 主办单位="+86 22 5833 0000 培训中心")])).status_code == 302
    record = TrainingRecord.objects.get()
    # Whatever was stored before the rule existed still leaves in string cells, never as a formula.
    TrainingRecord.objects.filter(pk=record.pk).update(topic=evil)
    job = Job.objects.create(kind="training_export", title="t", created_by=user, params={"filters": {}})
    training_export(job, lambda done, total: None)
    job.refresh_from_db()
    with job.output.open("rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
    cells = {c.value: c.data_type for c in ws[2]}
    assert cells[evil] == "s" and cells["+86 22 5833 0000 培训中心"] == "s"
    assert all(c.data_type != "f" for c in ws[2])


def test_the_upload_page_speaks_english_too(client):
    from django.urls import reverse

    user = cb_user()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("enterprises:training_upload")).content.decode()
    assert f"At most {MAX_ROWS} rows per file" in page
