"""The client address behind trusted proxies, and login lockouts keyed on it (username + client address)."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from enterprises.questionnaire import services as questionnaire_services
from portal.net import client_ip
from tests.factories import PASSWORD, EnterpriseFactory, district_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
BEHIND_ONE_PROXY = {"AXES_IPWARE_PROXY_COUNT": 1, "AXES_IPWARE_PROXY_TRUSTED_IPS": []}


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_peer_is_the_client():
    with override_settings(AXES_IPWARE_PROXY_COUNT=0):
        assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_one_proxy_the_address_it_appended_is_the_client():
    assert client_ip(_request(PROXY, "198.51.100.1")) == "198.51.100.1"


@override_settings(**BEHIND_ONE_PROXY)
def test_a_forged_hop_from_the_client_is_not_believed():
    # The client sends "X-Forwarded-For: 1.2.3.4"; the trusted proxy appends the address it really saw.
    assert client_ip(_request(PROXY, "1.2.3.4, 198.51.100.1")) == "198.51.100.1"


@override_settings(AXES_IPWARE_PROXY_COUNT=1, AXES_IPWARE_PROXY_TRUSTED_IPS=["10.0.0.0/8"])
def test_forwarded_for_from_an_untrusted_hop_is_ignored():
    # Straight to the server, not through the proxy: the header is the client's own claim.
    assert client_ip(_request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"
    assert client_ip(_request(PROXY, "198.51.100.1")) == "198.51.100.1"


@override_settings(**BEHIND_ONE_PROXY)
def test_garbage_in_the_header_falls_back_to_the_peer():
    assert client_ip(_request(PROXY, "not-an-address")) == PROXY
    assert client_ip(_request(PROXY, "")) == PROXY


def _login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


@override_settings(**BEHIND_ONE_PROXY)
def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client):
    user = district_user()
    for _ in range(5):
        response = _login(client, user.username, "wrong-password-1", "198.51.100.66")
    assert response.status_code == 429
    text = response.content.decode()
    assert "锁定" in text and "后再试" in text
    assert int(response["Retry-After"]) > 25 * 60
    # The same address stays locked even with the right password ...
    assert _login(client, user.username, PASSWORD, "198.51.100.66").status_code == 429
    # ... while the owner, from their own address behind the same proxy, logs in.
    owner = _login(client.__class__(), user.username, PASSWORD, "198.51.100.10")
    assert owner.status_code == 302 and owner["Location"] == "/"


@override_settings(**BEHIND_ONE_PROXY)
def test_token_api_says_locked_and_until_when(client):
    user = district_user()
    url = reverse("api-token")
    for _ in range(5):
        response = client.post(url, {"username": user.username, "password": "wrong-password-1"},
                               REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    response = client.post(url, {"username": user.username, "password": PASSWORD},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert response.status_code == 429
    body = response.json()
    assert body["error"]["code"] == "locked"
    assert "后再试" in body["error"]["message"]
    assert int(response["Retry-After"]) > 0
    other = client.post(url, {"username": user.username, "password": PASSWORD},
                        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert other.status_code == 200 and other.json()["token"]


@override_settings(**BEHIND_ONE_PROXY)
def test_activation_throttle_counts_the_client_not_the_proxy(client):
    cache.clear()
    url = reverse("questionnaire:activate")
    enterprise = EnterpriseFactory()
    bad = {"uscc": enterprise.uscc, "code": "XXXX-XXXX-XXXX", "password1": "Good-Password-9",
           "password2": "Good-Password-9"}
    for i in range(questionnaire_services.THROTTLE_PER_IP):
        client.post(url, bad, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{i % 3 + 1}, 192.0.2.1")
    # One client (192.0.2.1, as the proxy saw it) is throttled, whatever it forged to its left ...
    assert client.post(url, bad, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    # ... and every other enterprise behind the same proxy can still activate.
    assert client.post(url, bad, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200
    cache.clear()


def test_compose_trusts_the_one_tls_proxy():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    assert compose["x-app-environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
