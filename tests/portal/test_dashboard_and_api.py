import pytest

from tests.factories import EnterpriseFactory, cb_user, district_user, hq_user, province_user

pytestmark = pytest.mark.django_db


def test_dashboard_counts_follow_the_scope(client, login):
    EnterpriseFactory.create_batch(3, district_code="120113")
    EnterpriseFactory.create_batch(2, district_code="120114")
    EnterpriseFactory.create_batch(4, district_code="130102")
    cases = [(hq_user(), 9, 32), (province_user("120000"), 5, 1), (district_user("120113"), 3, 0)]
    for user, enterprises, provinces in cases:
        client.logout()
        login(user)
        counts = client.get("/").context["counts"]
        assert counts["enterprises"] == enterprises, user.role
        assert counts["provinces"] == provinces, user.role
    client.logout()
    login(province_user("120000"))
    assert client.get("/").context["counts"]["districts"] == 16


def test_dashboard_shows_phase_and_next_deadline(client, login):
    login(hq_user())
    html = client.get("/").content.decode()
    assert "当前阶段" in html and "下一截止" in html


def test_api_error_shape_is_stable(client, login):
    login(district_user())
    response = client.get("/api/enterprises/999999/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"],
                                         "fields": {}}}
    response = client.post("/api/enterprises/", {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_token_auth(client):
    user = cb_user()
    response = client.post("/api/token/", {"username": user.username, "password": "Test-Password-2026"})
    assert response.status_code == 200
    token = response.json()["token"]
    api = client.get("/api/cbs/", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.status_code == 200 and api.json()["count"] == 1
    assert client.get("/api/cbs/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401


def test_openapi_schema_and_docs(client, login):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"] if schema["Content-Type"].endswith("json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(schema.content)["paths"]
    for path in ("/api/units/", "/api/units/{code}/", "/api/cbs/", "/api/enterprises/", "/api/enterprises/{id}/"):
        assert path in paths
    login(hq_user())
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_unit_filters(client, login):
    login(province_user("120000"))
    rows = client.get("/api/units/?parent=120000&page_size=100").json()["results"]
    assert len(rows) == 16 and {"120113"} <= {r["code"] for r in rows}
    html = client.get("/units/?q=北辰").content.decode()
    assert "120113" in html


def test_language_switch_to_english(client, login):
    login(hq_user())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "HQ dashboard" in client.get("/").content.decode()
