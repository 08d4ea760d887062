"""The CB systems' API: token auth, batch POST with per-record results, idempotency, GET own records."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enterprises.models import LedgerRecord
from portal.models import AuditEvent
from tests.factories import cb_user, district_user, valid_uscc

pytestmark = pytest.mark.django_db
URL = "/api/ledger-records/"


def api_record(**overrides):
    record = {
        "uscc": valid_uscc("120113"),
        "name": "北辰接口测试有限公司",
        "district_code": "120113",
        "industry": "industry",
        "employees": 30,
        "revenue": 900,
        "dimensions": ["quality_mgmt", "technology"],
        "modes": ["diagnosis"],
        "start_date": "2024-07-01",
        "end_date": "2024-08-31",
        "experts_count": 2,
        "problems_found": 4,
        "problems_solved": 3,
        "certification_fee": 15000,
        "fee_reduction": 5000,
        "certified": False,
    }
    record.update(overrides)
    return record


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_token_is_issued_for_a_cb_user():
    user = cb_user()
    from tests.factories import PASSWORD

    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


def test_a_batch_of_1000_records_with_per_record_results_and_idempotency(open_year):
    user = cb_user()
    client = token_client(user)
    records = [api_record() for _ in range(1000)]
    records[10]["problems_solved"] = 9
    records[20]["uscc"] = records[20]["uscc"][:17] + ("0" if records[20]["uscc"][17] != "0" else "1")
    response = client.post(f"{URL}batch/", {"programme_year": 2024, "records": records}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"created": 998, "updated": 0, "unchanged": 0, "failed": 2}
    assert body["results"][0] == {
        "index": 0,
        "uscc": records[0]["uscc"],
        "status": "created",
        "errors": [],
        "warnings": [],
    }
    assert body["results"][10]["status"] == "failed"
    assert body["results"][10]["errors"][0]["field"] == "problems_solved"
    assert "不能大于" in body["results"][10]["errors"][0]["message"]
    assert body["results"][20]["errors"][0]["field"] == "uscc"
    assert LedgerRecord.objects.filter(certification_body=user.certification_body).count() == 998
    assert (
        AuditEvent.objects.filter(
            object_type="enterprises.ledgerrecord", source=f"api:{body['batch_id']}", actor=user
        ).count()
        == 998
    )

    again = client.post(f"{URL}batch/", {"programme_year": 2024, "records": records}, format="json").json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 998, "failed": 2}
    records[0]["experts_count"] = 5
    changed = client.post(f"{URL}batch/", {"programme_year": 2024, "records": records[:1]}, format="json").json()
    assert changed["counts"]["updated"] == 1 and changed["results"][0]["status"] == "updated"
    assert LedgerRecord.objects.count() == 998


def test_batch_validation_errors_have_the_stable_shape(open_year):
    client = token_client(cb_user())
    response = client.post(f"{URL}batch/", {"programme_year": 2024, "records": []}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    locked = client.post(
        f"{URL}batch/",
        {"programme_year": 2023, "records": [api_record(start_date="2023-07-01", end_date="2023-08-01")]},
        format="json",
    )
    assert locked.status_code == 403 and "截止报送" in locked.json()["error"]["message"]


def test_get_own_records_with_filters_and_pagination(open_year):
    a, b = cb_user(), cb_user()
    records = [api_record() for _ in range(3)]
    token_client(a).post(f"{URL}batch/", {"programme_year": 2024, "records": records}, format="json")
    token_client(b).post(f"{URL}batch/", {"programme_year": 2024, "records": [api_record()]}, format="json")
    client = token_client(a)
    page = client.get(URL, {"programme_year": 2024, "page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert {r["certification_body"] for r in page["results"]} == {a.certification_body.approval_number}
    one = client.get(URL, {"uscc": records[1]["uscc"]}).json()
    assert one["count"] == 1 and one["results"][0]["dimensions"] == ["quality_mgmt", "technology"]
    assert client.get(URL, {"programme_year": 2023}).json()["count"] == 0


def test_bad_list_filters_are_a_400_naming_the_parameter(open_year):
    client = token_client(cb_user())
    bad = client.get(URL, {"programme_year": "-5", "district": "12x", "updated_since": "yesterday"})
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert {"programme_year", "district", "updated_since"} <= set(fields)
    assert "6位数字" in str(fields["district"])
    # An offset PostgreSQL cannot store is converted to UTC rather than failing.
    odd = client.get(URL, {"updated_since": "1834-12-28T14:46:17+22:39", "certified": "false"})
    assert odd.status_code == 200 and odd.json()["count"] == 0
    assert client.get(URL, {"certified": "maybe"}).status_code == 400
    # A date the server cannot represent (year 1 in +08:00 is before year 1 in UTC) is a 400, not a 500.
    far = client.get(URL, {"updated_since": "0001-01-01T00:00:00"})
    assert far.status_code == 400 and "updated_since" in far.json()["error"]["fields"]


def test_cb_a_cannot_read_or_write_cb_b_records(open_year):
    a, b = cb_user(), cb_user()
    uscc = valid_uscc("120113")
    token_client(b).post(f"{URL}batch/", {"programme_year": 2024, "records": [api_record(uscc=uscc)]}, format="json")
    b_record = LedgerRecord.objects.get(certification_body=b.certification_body)
    client = token_client(a)
    assert client.get(f"{URL}{b_record.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    # Writing the same enterprise creates A's own record; B's stays untouched.
    forged = api_record(uscc=uscc, experts_count=9, certification_body=b.certification_body.approval_number)
    result = client.post(f"{URL}batch/", {"programme_year": 2024, "records": [forged]}, format="json").json()
    assert result["results"][0]["status"] == "failed"
    assert result["results"][0]["errors"][0]["field"] == "certification_body"
    b_record.refresh_from_db()
    assert b_record.experts_count == 2


def test_staff_read_only_and_non_cb_cannot_post(open_year):
    cb = cb_user()
    token_client(cb).post(f"{URL}batch/", {"programme_year": 2024, "records": [api_record()]}, format="json")
    beichen, wuqing = token_client(district_user("120113")), token_client(district_user("120114"))
    assert beichen.get(URL).json()["count"] == 1
    assert wuqing.get(URL).json()["count"] == 0
    denied = beichen.post(f"{URL}batch/", {"programme_year": 2024, "records": [api_record()]}, format="json")
    assert denied.status_code == 403
    assert APIClient().get(URL).status_code == 401


def test_openapi_schema_documents_the_ledger_endpoints():
    client = APIClient()
    client.force_authenticate(cb_user())
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/ledger-records/batch/" in schema["paths"]
    post = schema["paths"]["/api/ledger-records/batch/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("LedgerBatchRequestRequest")
    components = schema["components"]["schemas"]
    assert "uscc" in components["LedgerRecordInputRequest"]["properties"]
    assert "results" in components["LedgerBatchOutput"]["properties"]
    params = {p["name"] for p in schema["paths"]["/api/ledger-records/"]["get"]["parameters"]}
    assert {"programme_year", "uscc", "district", "updated_since", "page"} <= params
