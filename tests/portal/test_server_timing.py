"""Every response carries the server's own time (Server-Timing), which the load benchmark reports."""

from __future__ import annotations

import re

import pytest

from tests.factories import hq_user

pytestmark = pytest.mark.django_db

HEADER = re.compile(r'^app;dur=(\d+\.\d), db;dur=(\d+\.\d);desc="(\d+) queries"$')


def test_a_page_reports_its_server_and_database_time(client):
    client.force_login(hq_user())
    response = client.get("/notifications/")
    match = HEADER.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    app_ms, db_ms, queries = float(match[1]), float(match[2]), int(match[3])
    assert queries > 0 and 0 <= db_ms <= app_ms


def test_no_query_no_database_time(client):
    response = client.get("/static-that-does-not-exist/")
    assert HEADER.match(response.headers["Server-Timing"])


def test_it_can_be_switched_off(client, settings):
    settings.SERVER_TIMING = False
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE]  # rebuilds the middleware chain
    assert "Server-Timing" not in client.get("/accounts/login/").headers
