"""Every error under /api/ answers the API's JSON shape ``{"error": {"code", "message", "fields"}}`` with the
right status, whichever layer raised it (DRF, URL resolution, request parsing, an unhandled exception), and the
schema declares those error responses."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from enterprises.registry.api import EnterpriseViewSet
from tests.factories import cb_user, district_user

pytestmark = pytest.mark.django_db
BATCH_URL = "/api/ledger-records/batch/"


def token_client(user, **kwargs):
    client = APIClient(**kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def assert_api_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# ---- request bodies -------------------------------------------------------------------------------------
def test_an_oversized_body_is_a_413_json_error_that_says_the_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"programme_year": 2024, "records": [{"notes": "x" * 1000}] * 1100})
    response = token_client(cb_user()).post(BATCH_URL, body, content_type="application/json")
    error = assert_api_error(response, 413, "too_large")
    assert "1 MB" in error["message"] and "拆分" in error["message"]
    assert error["fields"] == {}


def test_the_413_message_is_english_for_an_english_request(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    body = json.dumps({"programme_year": 2024, "notes": "x" * (3 * 1024 * 1024)})
    response = token_client(cb_user()).post(
        BATCH_URL, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    error = assert_api_error(response, 413, "too_large")
    assert "2 MB" in error["message"] and "split" in error["message"].lower()


def test_too_many_form_fields_is_a_413_json_error(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=v" for i in range(10))
    response = token_client(cb_user()).post(
        BATCH_URL, body, content_type="application/x-www-form-urlencoded"
    )
    error = assert_api_error(response, 413, "too_large")
    assert "5" in error["message"]


def test_malformed_json_is_a_400_json_error_in_chinese_with_the_parser_detail():
    response = token_client(cb_user()).post(BATCH_URL, '{"programme_year": 2024,', content_type="application/json")
    error = assert_api_error(response, 400, "invalid")
    assert "无法解析" in error["message"] and "line 1" in error["message"]


def test_an_unsupported_content_type_is_a_415_json_error():
    response = token_client(cb_user()).post(BATCH_URL, "programme_year=2024", content_type="text/plain")
    assert_api_error(response, 415, "unsupported_media_type")


def test_a_csrf_failure_of_a_session_call_is_a_403_json_error_in_chinese():
    client = Client(enforce_csrf_checks=True)
    client.force_login(cb_user(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(BATCH_URL, {"programme_year": 2024}, content_type="application/json")
    error = assert_api_error(response, 403, "permission_denied")
    assert "CSRF" in error["message"] and "刷新" in error["message"]


# ---- URLs, methods, hosts -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/no-such-endpoint/", "/api/", "/api", "/api/ledger-records/batch/extra/"])
def test_an_unknown_api_url_is_a_404_json_error(path):
    response = token_client(district_user()).get(path)
    error = assert_api_error(response, 404, "not_found")
    assert error["fields"] == {}


def test_an_unknown_api_url_answers_english_for_an_english_request():
    response = Client().get("/api/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="en")
    error = assert_api_error(response, 404, "not_found")
    assert "API" in error["message"] and not any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_a_wrong_method_is_a_405_json_error():
    response = token_client(cb_user()).delete(BATCH_URL)
    assert_api_error(response, 405, "method_not_allowed")


def test_a_disallowed_host_under_the_api_is_a_400_json_error():
    response = Client().get("/api/enterprises/", HTTP_HOST="attacker.example")
    assert_api_error(response, 400, "invalid")


def test_outside_the_api_a_404_and_a_bad_host_stay_html():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    response = Client().get("/accounts/login/", HTTP_HOST="attacker.example")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_the_api_docs_page_stays_html():
    response = Client().get("/api/docs/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


# ---- throttling and server errors -----------------------------------------------------------------------
def test_throttling_is_a_429_json_error_with_retry_after(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    client = token_client(district_user())
    for _ in range(2):
        assert client.get("/api/enterprises/").status_code == 200
    response = client.get("/api/enterprises/")
    assert_api_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_an_unhandled_exception_is_a_500_json_error_that_leaks_nothing_and_is_logged(monkeypatch, caplog):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(EnterpriseViewSet, "list", explode)
    client = token_client(district_user(), raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/enterprises/")
    error = assert_api_error(response, 500, "server_error")
    assert error["fields"] == {}
    assert b"hunter2" not in response.content and b"RuntimeError" not in response.content
    assert any(record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records)


# ---- schema ---------------------------------------------------------------------------------------------
@pytest.fixture
def schema():
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_has_one_error_component_matching_the_shape(schema):
    components = schema["components"]["schemas"]
    error = components["Error"]
    assert error["required"] == ["error"]
    inner = error["properties"]["error"]
    if "$ref" in inner:
        inner = components[inner["$ref"].rsplit("/", 1)[-1]]
    elif "allOf" in inner:
        inner = components[inner["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
    assert set(inner["properties"]) == {"code", "message", "fields"}
    assert set(inner["required"]) == {"code", "message", "fields"}


def test_the_ledger_batch_post_declares_its_error_responses(schema):
    responses = schema["paths"]["/api/ledger-records/batch/"]["post"]["responses"]
    for status in ("400", "401", "403", "413", "415", "429", "500"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in responses["429"]["headers"]
    assert "200" in responses and "404" not in responses


def test_the_token_post_declares_the_lockout_429(schema):
    responses = schema["paths"]["/api/token/"]["post"]["responses"]
    assert responses["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_read_operations_declare_errors_but_no_413(schema):
    responses = schema["paths"]["/api/enterprises/"]["get"]["responses"]
    assert {"400", "401", "403", "404", "429", "500"} <= set(responses)
    assert "413" not in responses and "415" not in responses


# ---- the embedded demo (DEBUG on: Django's technical pages instead of the handlers) -------------------
def test_with_debug_on_an_unknown_api_url_is_still_a_404_json_error(settings):
    settings.DEBUG = True
    assert_api_error(Client().get("/api/nope/"), 404, "not_found")
    page = Client().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_with_debug_on_an_oversized_body_is_still_a_413(settings):
    settings.DEBUG = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"programme_year": 2024, "notes": "x" * (2 * 1024 * 1024)})
    client = token_client(cb_user(), raise_request_exception=False)
    assert_api_error(client.post(BATCH_URL, body, content_type="application/json"), 413, "too_large")


def test_with_debug_on_an_unhandled_exception_is_still_a_500_json_error(settings, monkeypatch):
    settings.DEBUG = True

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(EnterpriseViewSet, "list", explode)
    response = token_client(district_user(), raise_request_exception=False).get("/api/enterprises/")
    assert_api_error(response, 500, "server_error")
    assert b"hunter2" not in response.content
