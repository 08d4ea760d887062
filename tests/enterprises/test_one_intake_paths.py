"""The "why" of one intake, through the paths a user and a CB system take (the upload page, the batch APIs,
the registry's model): each case failed before the intake had one rule per column."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import Enterprise, LedgerRecord, TrainingRecord
from programme.models import OrgUnit
from tests.enterprises.test_ledger_api import api_record, token_client
from tests.enterprises.test_training_import import api_client, post_file, row, training_open, xlsx_file  # noqa: F401
from tests.factories import cb_user, valid_uscc

pytestmark = pytest.mark.django_db
LEDGER_BATCH = "/api/ledger-records/batch/"
TRAINING_BATCH = "/api/training-records/batch/"
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
SERIAL_2024_07_02 = (dt.date(2024, 7, 2) - dt.date(1899, 12, 30)).days


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def test_the_model_validator_is_the_same_rule_and_the_registry_stores_the_normalised_form():
    code = valid_uscc("120113", 7)
    enterprise = Enterprise(uscc=full_width(code), name="全角代码测试企业", district=OrgUnit.objects.get(code="120113"))
    enterprise.full_clean()
    assert enterprise.uscc == code
    with pytest.raises(ValidationError):
        Enterprise(uscc=code[:17] + ("0" if code[17] != "0" else "1"), name="x",
                   district=OrgUnit.objects.get(code="120113")).full_clean()


def test_ledger_api_takes_a_full_width_digit_among_characters_3_to_8_and_echoes_the_stored_form(open_year):
    user = cb_user()
    plain = [valid_uscc("120113", n) for n in (41, 42, 43)]
    typed = [
        plain[0][:4] + full_width(plain[0][4]) + plain[0][5:],  # a full-width digit among characters 3–8
        full_width(plain[1]),  # wholly full-width
        plain[2][:12] + full_width(plain[2][12]) + plain[2][13:],  # elsewhere
    ]
    records = [api_record(uscc=u, name=f"全角企业{i}") for i, u in enumerate(typed)]
    response = token_client(user).post(LEDGER_BATCH, {"programme_year": 2024, "records": records}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"]["created"] == 3, body
    assert [r["uscc"] for r in body["results"]] == plain
    assert set(LedgerRecord.objects.values_list("enterprise__uscc", flat=True)) == set(plain)


def test_training_upload_and_api_take_the_dates_the_ledger_takes(client, training_open):  # noqa: F811
    user = cb_user()
    rows = [row(1, 培训日期="2024年7月2日"), row(2, 培训日期=SERIAL_2024_07_02 + 1), row(3, 培训日期="2024/7/4")]
    response = post_file(client, user, xlsx_file(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(TrainingRecord.objects.values_list("held_on", flat=True)) == [
        dt.date(2024, 7, 2), dt.date(2024, 7, 3), dt.date(2024, 7, 4)]
    api_rows = [
        {"held_on": "2024年8月1日", "organiser": "主办", "topic": "接口培训一", "delivery": "线上",
         "district_code": "120113", "enterprise_count": 1, "person_count": 2},
        {"held_on": str(SERIAL_2024_07_02 + 40), "organiser": "主办", "topic": "接口培训二", "delivery": "online",
         "district_code": "１２０１１３", "enterprise_count": "３", "person_count": 5},
    ]
    answer = api_client(user).post(TRAINING_BATCH, {"programme_year": 2024, "records": api_rows}, format="json")
    assert answer.status_code in (200, 201), answer.content
    assert TrainingRecord.objects.filter(topic__startswith="接口培训").count() == 2


def test_ledger_api_takes_chinese_dates_and_serials(open_year):
    user = cb_user()
    records = [api_record(start_date="2024年7月2日", end_date=str(SERIAL_2024_07_02 + 30))]
    response = token_client(user).post(LEDGER_BATCH, {"programme_year": 2024, "records": records}, format="json")
    assert response.status_code == 200 and response.json()["counts"]["created"] == 1, response.content
    record = LedgerRecord.objects.get()
    assert (record.start_date, record.end_date) == (dt.date(2024, 7, 2), dt.date(2024, 8, 1))


def test_training_api_refuses_formula_text_like_the_ledger_api(training_open, open_year):  # noqa: F811
    user = cb_user()
    training = {"held_on": "2024-06-01", "organiser": "=1+1", "topic": "培训", "delivery": "线下",
                "district_code": "120113", "enterprise_count": 1, "person_count": 1}
    answer = api_client(user).post(TRAINING_BATCH, {"programme_year": 2024, "records": [training]}, format="json")
    assert answer.status_code == 400 and not TrainingRecord.objects.exists()
    assert "不能以 = + - @ 开头" in answer.content.decode()
    ledger = token_client(user).post(
        LEDGER_BATCH, {"programme_year": 2024, "records": [api_record(notes="=1+1")]}, format="json"
    ).json()
    assert ledger["counts"]["failed"] == 1
    assert "不能以 = + - @ 开头" in ledger["results"][0]["errors"][0]["message"]


def test_both_apis_number_records_from_1_in_messages_and_index_them_from_0(training_open, open_year):  # noqa: F811
    user = cb_user()
    training = {"held_on": "2024-06-01", "organiser": "主办", "topic": "重复的培训", "delivery": "线下",
                "district_code": "120113", "enterprise_count": 1, "person_count": 1}
    answer = api_client(user).post(TRAINING_BATCH, {"programme_year": 2024, "records": [training, dict(training)]},
                                   format="json")
    assert answer.status_code == 400
    errors = answer.json()["error"]["fields"]["records"]
    assert list(errors) == ["1"]  # the second record, by index
    assert "与第1行" in errors["1"]["topic"][0]  # … repeats the first record
    code = valid_uscc("120113", 77)
    ledger = token_client(user).post(
        LEDGER_BATCH, {"programme_year": 2024, "records": [api_record(uscc=code), api_record(uscc=code)]},
        format="json").json()
    assert [r["index"] for r in ledger["results"]] == [0, 1]
    assert "已在第1行填报" in ledger["results"][1]["errors"][0]["message"]


def test_the_web_form_takes_the_pipeline_of_the_upload_and_the_api(client, training_open):  # noqa: F811
    from django.urls import reverse

    user = cb_user()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    form = {"programme_year": 2024, "held_on": "2024-06-03", "organiser": "@SUM(1)", "topic": "表单培训",
            "delivery": "offline", "district_code": "120113", "enterprise_count": 2, "person_count": 3}
    page = client.post(reverse("enterprises:training_create"), form)
    assert page.status_code == 200 and not TrainingRecord.objects.exists()
    assert "“主办单位”不能以 = + - @ 开头" in page.content.decode()
    form["organiser"] = "北辰区市场监管局"
    assert client.post(reverse("enterprises:training_create"), form).status_code == 302
    form["person_count"] = 5  # the same training entered again, corrected: one record, updated
    assert client.post(reverse("enterprises:training_create"), form).status_code == 302
    assert list(TrainingRecord.objects.values_list("person_count", "source")) == [(5, "web")]


def test_the_ledger_upload_reads_full_width_codes_and_chinese_dates_like_the_api(
    open_year, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.models import LedgerUpload
    from tests.enterprises.factories import ledger_row, xlsx_bytes

    try:
        from enterprises.ledger.services import ledger_upload_create
    except ImportError:  # where the services lived before the rooms
        from enterprises.services import ledger_upload_create
    user = cb_user()
    codes = [valid_uscc("120113", n) for n in (61, 62)]
    rows = [ledger_row(**{"统一社会信用代码": full_width(codes[0]), "开始日期": "2024年7月2日"}),
            ledger_row(**{"统一社会信用代码": codes[1][:4] + full_width(codes[1][4]) + codes[1][5:]})]
    with django_capture_on_commit_callbacks(execute=True):
        upload = ledger_upload_create(
            actor=user, year=2024, uploaded_file=SimpleUploadedFile("l.xlsx", xlsx_bytes(rows))
        )
    upload = LedgerUpload.objects.get(pk=upload.pk)
    assert (upload.new_count, upload.failed_count) == (2, 0), upload.issues


def test_a_training_batch_whose_only_district_code_is_full_width_finds_its_district(training_open):  # noqa: F811
    user = cb_user()
    record = {"held_on": "2024-06-05", "organiser": "主办", "topic": "全角区县代码", "delivery": "线上",
              "district_code": "１２０１１３", "enterprise_count": 1, "person_count": 2}
    answer = api_client(user).post(TRAINING_BATCH, {"programme_year": 2024, "records": [record]}, format="json")
    assert answer.status_code == 201, answer.content
    assert TrainingRecord.objects.get().district.code == "120113"
