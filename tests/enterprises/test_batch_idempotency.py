"""The batch APIs are idempotent: the same batch sent again changes nothing (the training batch like the ledger's,
on the natural key), a corrected record is updated and audited, and an ``Idempotency-Key`` makes a retried POST
answer the first answer without running the batch again (per user, 24 hours, 422 for another body, 409 while the
first is still running)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import LedgerRecord, LedgerUpload, TrainingRecord
from portal.models import AuditEvent
from tests.factories import cb_user, valid_uscc

from .test_training_import import row as upload_row
from .test_training_import import xlsx_file

pytestmark = pytest.mark.django_db
YEAR = 2024
LEDGER = "/api/ledger-records/batch/"
TRAINING = "/api/training-records/batch/"
KEY = "Idempotency-Key"


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client: APIClient, url: str, records: list[dict[str, Any]], key: str | None = None):
    headers = {KEY: key} if key is not None else {}
    return client.post(url, {"programme_year": YEAR, "records": records}, format="json", headers=headers)


def training_record(n: int, **overrides: Any) -> dict[str, Any]:
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


def ledger_record(n: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "uscc": valid_uscc("120113", serial=n),
        "name": f"北辰幂等测试{n}有限公司",
        "district_code": "120113",
        "industry": "industry",
        "employees": 30,
        "revenue": 900,
        "dimensions": ["quality_mgmt"],
        "modes": ["diagnosis"],
        "start_date": f"{YEAR}-07-01",
        "end_date": f"{YEAR}-08-31",
        "experts_count": 2,
        "problems_found": 4,
        "problems_solved": 3,
        "certification_fee": 15000,
        "fee_reduction": 5000,
        "certified": False,
    }
    record.update(overrides)
    return record


BOTH = pytest.mark.parametrize(
    ("url", "make"), [(TRAINING, training_record), (LEDGER, ledger_record)], ids=["training", "ledger"]
)


def stored_keys():
    """The stored answers (imported here, so that the other tests of this file also run where there are none)."""
    from enterprises.models import IdempotentRequest

    return IdempotentRequest.objects.all()


def audits(model: str, action: str | None = None):
    events = AuditEvent.objects.filter(object_type=f"enterprises.{model}")
    return events.filter(action=action) if action else events


# ---- training: idempotent on the natural key --------------------------------------------------------
def test_training_same_batch_twice_is_all_unchanged(open_year):
    client = client_of(cb_user())
    records = [training_record(n) for n in range(6)]
    first = post(client, TRAINING, records)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["counts"] == {"created": 6, "updated": 0, "unchanged": 0, "failed": 0}
    assert body["results"][0] == {"index": 0, "status": "created", "errors": [], "warnings": []}
    assert body["created"] == 6 and len(body["ids"]) == 6
    creates = audits("trainingrecord", "create").count()

    again = post(client, TRAINING, records)
    assert again.status_code == 200, again.content
    second = again.json()
    assert second["counts"] == {"created": 0, "updated": 0, "unchanged": 6, "failed": 0}
    assert [r["status"] for r in second["results"]] == ["unchanged"] * 6
    assert [r["index"] for r in second["results"]] == list(range(6))
    assert second["created"] == 0 and second["ids"] == body["ids"]  # the stored records, in records order
    assert TrainingRecord.objects.count() == 6
    assert audits("trainingrecord", "create").count() == creates
    assert not audits("trainingrecord", "update").exists()


def test_training_a_corrected_record_is_updated_and_audited(open_year):
    user = cb_user()
    client = client_of(user)
    records = [training_record(n) for n in range(3)]
    ids = post(client, TRAINING, records).json()["ids"]
    records[1].update(organiser="西青区质量协会", person_count=20)
    records.append(training_record(3))
    response = post(client, TRAINING, records)
    assert response.status_code == 201, response.content  # one record is new
    body = response.json()
    assert body["counts"] == {"created": 1, "updated": 1, "unchanged": 2, "failed": 0}
    assert [r["status"] for r in body["results"]] == ["unchanged", "updated", "unchanged", "created"]
    assert body["ids"][:3] == ids and body["created"] == 1
    stored = TrainingRecord.objects.get(pk=ids[1])
    assert (stored.organiser, stored.person_count, stored.source) == ("西青区质量协会", 20, "api")
    event = audits("trainingrecord", "update").get()
    assert (event.object_id, event.actor, event.source) == (str(ids[1]), user, "api")
    assert event.changes["fields"] == {"organiser": ["西青区市场监管局", "西青区质量协会"], "person_count": [9, 20]}
    assert TrainingRecord.objects.count() == 4


def test_training_errors_still_store_nothing_and_duplicates_in_a_batch_stay_errors(open_year):
    client = client_of(cb_user())
    records = [training_record(n) for n in range(3)]
    post(client, TRAINING, records)
    corrected = [dict(records[0], person_count=30), training_record(5, person_count=1)]  # an update + a bad row
    bad = post(client, TRAINING, corrected)
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]["records"]) == {"1"}
    assert TrainingRecord.objects.get(topic=records[0]["topic"]).person_count == 9  # the update was not kept
    assert not audits("trainingrecord", "update").exists()
    twice = post(client, TRAINING, [training_record(7), training_record(7, organiser="别的单位")])
    assert twice.status_code == 400 and "第1行" in str(twice.json()["error"]["fields"]["records"]["1"])
    assert TrainingRecord.objects.count() == 3


def test_training_file_uploaded_again_succeeds_with_every_row_unchanged(client, open_year):
    from enterprises.training.pipeline import training_upload

    user = cb_user()
    client.force_login(user)
    content = xlsx_file([upload_row(n) for n in range(1, 6)])
    page = reverse("enterprises:training_upload")
    first = client.post(page, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", content)})
    assert first.status_code == 302
    creates = audits("trainingrecord", "create").count()
    again = client.post(page, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", content)})
    assert again.status_code == 302 and again["Location"] == reverse("enterprises:training_list")
    assert "新增0条，更新0条，未变化5条" in client.get(again["Location"]).content.decode()  # says what happened
    assert TrainingRecord.objects.count() == 5
    assert audits("trainingrecord", "create").count() == creates and not audits("trainingrecord", "update").exists()
    batch = training_upload(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("t.xlsx", content))
    assert len(batch) == 5 and batch.counts == {"created": 0, "updated": 0, "unchanged": 5}
    changed = xlsx_file([upload_row(1, 参训人次=40), *[upload_row(n) for n in range(2, 6)]])
    batch = training_upload(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile("t.xlsx", changed))
    assert batch.counts == {"created": 0, "updated": 1, "unchanged": 4}
    assert audits("trainingrecord", "update").get().changes == {"row": 2, "fields": {"person_count": [30, 40]}}


# ---- ledger: idempotent on the natural key ----------------------------------------------------------
def test_ledger_same_batch_twice_is_all_unchanged_and_a_change_is_audited(open_year):
    client = client_of(cb_user())
    records = [ledger_record(n) for n in range(1, 5)]
    assert post(client, LEDGER, records).json()["counts"]["created"] == 4
    creates = audits("ledgerrecord", "create").count()
    again = post(client, LEDGER, records)
    assert again.status_code == 200
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 4, "failed": 0}
    assert audits("ledgerrecord", "create").count() == creates and LedgerRecord.objects.count() == 4
    records[2]["experts_count"] = 5
    changed = post(client, LEDGER, records).json()
    assert changed["counts"] == {"created": 0, "updated": 1, "unchanged": 3, "failed": 0}
    assert changed["results"][2]["status"] == "updated"
    event = audits("ledgerrecord", "update").get()
    assert event.changes["fields"]["experts_count"] == [2, 5]


# ---- Idempotency-Key --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "make", "runs"),
    [
        (TRAINING, training_record, lambda: AuditEvent.objects.count()),
        (LEDGER, ledger_record, lambda: LedgerUpload.objects.count()),  # one upload row per batch run
    ],
    ids=["training", "ledger"],
)
def test_the_same_key_answers_the_first_answer_without_running_again(open_year, url, make, runs):
    user = cb_user()
    client = client_of(user)
    records = [make(n) for n in range(1, 4)]
    first = post(client, url, records, key="batch-2024-0001")
    assert first.status_code in (200, 201), first.content
    assert "Idempotent-Replayed" not in first
    ran = runs()
    # The records are gone: running the batch again would create them again, a replay does not.
    (TrainingRecord if url == TRAINING else LedgerRecord).objects.all().delete()
    second = post(client, url, records, key="batch-2024-0001")
    assert second.status_code == first.status_code
    assert second.content == first.content  # the same answer, byte for byte
    assert second["Idempotent-Replayed"] == "true"
    assert runs() == ran
    assert not (TrainingRecord if url == TRAINING else LedgerRecord).objects.exists()
    stored = stored_keys().get()
    assert (stored.user, stored.key, stored.path) == (user, "batch-2024-0001", url)
    assert stored.status_code == first.status_code
    # Without a key (or with a new one) the batch runs again.
    third = post(client, url, records, key="batch-2024-0002")
    assert third.json()["counts"]["created"] == 3


@BOTH
def test_the_same_key_with_another_body_is_a_422(open_year, url, make):
    client = client_of(cb_user())
    assert post(client, url, [make(1)], key="k-1").status_code in (200, 201)
    reused = post(client, url, [make(2)], key="k-1")
    assert reused.status_code == 422
    assert reused.json() == {
        "error": {"code": "idempotency_key_reused", "message": reused.json()["error"]["message"], "fields": {}}
    }
    assert "Idempotency-Key" in reused.json()["error"]["message"]
    # Key order and spacing of the JSON do not make another body.
    same = client.post(
        url,
        data=f'{{"records": {json.dumps([make(1)], indent=1)},  "programme_year": {YEAR}}}',
        content_type="application/json",
        headers={KEY: "k-1"},
    )
    assert same.status_code in (200, 201) and same["Idempotent-Replayed"] == "true"


@BOTH
def test_keys_are_per_user(open_year, url, make):
    a = cb_user()
    colleague = cb_user(cb=a.certification_body)
    b = cb_user()
    records = [make(n) for n in range(1, 3)]
    mine = post(client_of(a), url, records, key="shared-key").json()
    # Another CB's user with the same key: the batch runs for that CB, and A's answer is never shown.
    theirs = post(client_of(b), url, records, key="shared-key")
    assert theirs.status_code in (200, 201) and "Idempotent-Replayed" not in theirs
    assert theirs.json()["counts"]["created"] == 2 and theirs.json() != mine
    if url == TRAINING:
        assert set(theirs.json()["ids"]).isdisjoint(mine["ids"])
        assert set(TrainingRecord.objects.filter(pk__in=theirs.json()["ids"]).values_list(
            "certification_body", flat=True)) == {b.certification_body_id}
    else:
        assert theirs.json()["batch_id"] != mine["batch_id"]
    # A colleague of the same CB with the same key runs the batch too (finding it stored already).
    same_cb = post(client_of(colleague), url, records, key="shared-key")
    assert "Idempotent-Replayed" not in same_cb
    assert same_cb.json()["counts"]["unchanged"] == 2
    assert stored_keys().filter(key="shared-key").count() == 3


def test_only_successful_answers_are_stored(open_year):
    client = client_of(cb_user())
    bad = post(client, TRAINING, [training_record(1, person_count=1)], key="retry-me")
    assert bad.status_code == 400 and not stored_keys().exists()
    good = post(client, TRAINING, [training_record(1)], key="retry-me")
    assert good.status_code == 201 and TrainingRecord.objects.count() == 1
    locked = client.post(LEDGER, {"programme_year": 2023, "records": [ledger_record(1)]}, format="json",
                         headers={KEY: "retry-me"})
    assert locked.status_code == 403  # the 2023 ledger is closed
    assert stored_keys().count() == 1


@pytest.mark.parametrize("url", [TRAINING, LEDGER])
@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_empty_or_too_long_key_is_a_400(open_year, url, key):
    response = post(client_of(cb_user()), url, [training_record(1)], key=key)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "Idempotency-Key" in error["fields"]
    assert not TrainingRecord.objects.exists() and not LedgerUpload.objects.exists()


def test_a_key_of_255_characters_is_accepted(open_year):
    assert post(client_of(cb_user()), TRAINING, [training_record(1)], key="x" * 255).status_code == 201


def test_keys_older_than_a_day_are_ignored_and_purged(open_year):
    user = cb_user()
    client = client_of(user)
    post(client, TRAINING, [training_record(1)], key="old")
    post(client, TRAINING, [training_record(2)], key="other-old")
    stored_keys().update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    response = post(client, TRAINING, [training_record(3)], key="old")  # another body: fine once expired
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert list(stored_keys().values_list("key", flat=True)) == ["old"]  # both expired rows purged
    assert stored_keys().get().created_at > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


@BOTH
def test_a_key_in_use_by_a_running_request_is_a_409(open_year, url, make):
    from enterprises.intake.idempotency import lock_key

    user = cb_user()
    other = connections.create_connection("default")  # another session, as a concurrent request would be
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key(user.pk, url, "busy")])
        response = post(client_of(user), url, [make(1)], key="busy")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_in_progress"
        assert not TrainingRecord.objects.exists() and not LedgerRecord.objects.exists()
        assert post(client_of(user), url, [make(1)], key="free").status_code in (200, 201)
    finally:
        other.close()
    assert post(client_of(user), url, [make(1)], key="busy").status_code == 200  # unchanged by now


def test_the_schema_declares_the_header_and_the_answers():
    client = client_of(cb_user())
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (LEDGER, TRAINING):
        post_op = schema["paths"][path]["post"]
        header = next(p for p in post_op["parameters"] if p["name"] == KEY)
        assert header["in"] == "header" and not header.get("required", False)
        assert {"200", "409", "422"} <= set(post_op["responses"])
    training = schema["paths"][TRAINING]["post"]
    assert {"200", "201"} <= set(training["responses"])
    components = schema["components"]["schemas"]
    output = components["TrainingBatchOutput"]["properties"]
    assert {"counts", "results", "created", "ids"} <= set(output)
    assert "从0开始" in components["TrainingRecordResult"]["properties"]["index"]["description"]
