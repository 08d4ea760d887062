"""The isolation matrix of the foundation: for every page, API endpoint and admin page that shows one
tenant-owned object, every role of another tenant gets 404 (or is kept out of the admin), and the owner
and the levels above get 200."""

from __future__ import annotations

import pytest

from reporting.models import Job
from tests.factories import (
    CertificationBodyFactory,
    EnterpriseFactory,
    cb_user,
    district_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two of everything: Tianjin/北辰 vs Hebei, CB A vs CB B, enterprise A vs B."""
    cb_a, cb_b = CertificationBodyFactory(), CertificationBodyFactory()
    ent_a = EnterpriseFactory(district_code="120113")
    ent_b = EnterpriseFactory(district_code="130102")
    users = {
        "hq": hq_user(),
        "tianjin": province_user("120000"),
        "hebei": province_user("130000"),
        "beichen": district_user("120113"),
        "wuqing": district_user("120114"),
        "expert": expert_user("000000"),
        "tianjin_expert": expert_user("120000"),
        "cb_a": cb_user(cb_a),
        "cb_b": cb_user(cb_b),
        "ent_a": enterprise_user(ent_a),
        "ent_b": enterprise_user(ent_b),
    }
    return {"cb_a": cb_a, "cb_b": cb_b, "ent_a": ent_a, "ent_b": ent_b, "users": users}


def _status(client, login, user, url):
    client.logout()
    login(user)
    return client.get(url).status_code


# (url builder, usernames that see it, usernames of other tenants that must get 404)
def _cases(w):
    ent_a, cb_a = w["ent_a"], w["cb_a"]
    return [
        (f"/enterprises/{ent_a.pk}/", {"hq", "tianjin", "beichen", "ent_a"},
         {"hebei", "wuqing", "expert", "tianjin_expert", "cb_a", "cb_b", "ent_b"}),
        (f"/api/enterprises/{ent_a.pk}/", {"hq", "tianjin", "beichen", "ent_a"},
         {"hebei", "wuqing", "expert", "tianjin_expert", "cb_a", "cb_b", "ent_b"}),
        (f"/cbs/{cb_a.pk}/", {"hq", "tianjin", "hebei", "beichen", "cb_a"}, {"cb_b", "ent_a", "ent_b"}),
        (f"/api/cbs/{cb_a.pk}/", {"hq", "tianjin", "hebei", "beichen", "cb_a"}, {"cb_b", "ent_a", "ent_b"}),
        ("/units/120113/", {"hq", "tianjin", "beichen"}, {"hebei", "wuqing", "expert", "tianjin_expert"}),
        ("/api/units/120113/", {"hq", "tianjin", "beichen"}, {"hebei", "wuqing", "expert", "tianjin_expert"}),
        ("/units/120000/", {"hq", "tianjin"}, {"hebei", "beichen", "wuqing", "expert"}),
        ("/units/130000/", {"hq", "hebei"}, {"tianjin", "beichen", "wuqing", "ent_a"}),
    ]


def test_object_pages_and_api_matrix(client, login, world):
    users = world["users"]
    for url, allowed, denied in _cases(world):
        for name in allowed:
            assert _status(client, login, users[name], url) == 200, (url, name)
        for name in denied:
            assert _status(client, login, users[name], url) == 404, (url, name)


def test_lists_contain_only_what_is_in_scope(client, login, world):
    users, ent_a, ent_b = world["users"], world["ent_a"], world["ent_b"]
    expectations = {
        "hq": {ent_a.uscc, ent_b.uscc},
        "tianjin": {ent_a.uscc},
        "hebei": {ent_b.uscc},
        "beichen": {ent_a.uscc},
        "wuqing": set(),
        "expert": set(),
        "cb_b": set(),
        "ent_a": {ent_a.uscc},
        "ent_b": {ent_b.uscc},
    }
    for name, expected in expectations.items():
        client.logout()
        login(users[name])
        api = client.get("/api/enterprises/?page_size=1000").json()
        assert {row["uscc"] for row in api["results"]} == expected, name
        page = client.get("/enterprises/").content.decode()
        for uscc in {ent_a.uscc, ent_b.uscc}:
            assert (uscc in page) == (uscc in expected), (name, uscc)


def test_cb_registry_list_shows_a_cb_only_itself(client, login, world):
    login(world["users"]["cb_a"])
    rows = client.get("/api/cbs/").json()["results"]
    assert [r["approval_number"] for r in rows] == [world["cb_a"].approval_number]


def test_jobs_are_private_to_their_creator(client, login, world):
    users = world["users"]
    job = Job.objects.create(kind="noop", title="导出", created_by=users["beichen"])
    for name in ("wuqing", "hebei", "cb_a", "ent_a", "expert"):
        for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
            assert _status(client, login, users[name], url) == 404, (url, name)
    assert _status(client, login, users["beichen"], f"/jobs/{job.pk}/") == 200
    assert _status(client, login, users["hq"], f"/jobs/{job.pk}/") == 200


def test_admin_keeps_other_tenants_out(client, login, world):
    users, ent_a = world["users"], world["ent_a"]
    change_url = f"/admin/enterprises/enterprise/{ent_a.pk}/change/"
    # Non-staff roles never enter the admin.
    for name in ("expert", "cb_a", "ent_a"):
        client.logout()
        login(users[name])
        response = client.get(change_url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], name
    # Staff of another area: the object does not exist for them (redirect to the index, no data).
    for name in ("hebei", "wuqing"):
        client.logout()
        login(users[name])
        response = client.get(change_url)
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            assert response["Location"] == "/admin/", name
        listing = client.get("/admin/enterprises/enterprise/").content.decode()
        assert ent_a.uscc not in listing, name
    # Staff in scope read it but cannot change it; HQ can.
    client.logout()
    login(users["beichen"])
    response = client.get(change_url)
    assert response.status_code == 200 and ent_a.uscc in response.content.decode()
    assert client.post(change_url, {"name": "改名"}).status_code == 403
    client.logout()
    login(users["hq"])
    assert client.get(change_url).status_code == 200


def test_anonymous_users_get_nothing(client, world):
    for url in ["/", "/enterprises/", f"/enterprises/{world['ent_a'].pk}/", "/units/", "/cbs/", "/jobs/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url in ["/api/enterprises/", "/api/cbs/", "/api/units/"]:
        response = client.get(url)
        assert response.status_code in (401, 403), url
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")
