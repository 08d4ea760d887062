"""/healthz reports the database, the cache, the broker and the worker and beat heartbeats (portal/health.py), and
the containers' health checks (scripts/healthcheck.py, manage.py healthcheck) use it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery.signals import beat_init
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from portal import tasks
from portal.celery import app as celery_app
from tests.integration.faults import celery_routed_to

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PARTS = {"database", "cache", "broker", "worker", "beat"}


def record_heartbeat(name: str, at: dt.datetime | None = None) -> None:
    from portal.health import record_heartbeat as record

    record(name, at)


def _seen_at(name: str) -> dt.datetime | None:
    from portal.models import Heartbeat

    return Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) but never answers, like a hung server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


@pytest.fixture
def production_like(settings):
    """Production's runtime: a real broker (the test Redis), a worker and beat expected to send heartbeats."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = django_settings.CELERY_BROKER_URL or "redis://127.0.0.1:6379/15"
    settings.HEALTH_HEARTBEAT_MAX_AGE = 90
    return settings


@pytest.fixture
def fresh_heartbeats():
    record_heartbeat("worker")
    record_heartbeat("beat")


def _healthz(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body["parts"]) == PARTS
    return response, body


def _statuses(body) -> dict[str, str]:
    return {name: part["status"] for name, part in body["parts"].items()}


# --- /healthz ----------------------------------------------------------------------------------------------------


def test_all_parts_ok_is_200(client, production_like, fresh_heartbeats):
    response, body = _healthz(client)

    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert _statuses(body) == dict.fromkeys(PARTS, "ok")
    for name in ("database", "cache", "broker"):
        assert isinstance(body["parts"][name]["ms"], int)
    for name in ("worker", "beat"):
        last_seen = dt.datetime.fromisoformat(body["parts"][name]["last_seen"])
        assert abs((timezone.now() - last_seen).total_seconds()) < 60
    assert response["Cache-Control"] == "no-store"


def test_eager_mode_is_ok_without_broker_worker_or_beat(client, settings):
    # The embedded runtime: tasks run in-process, so there is no broker, worker or beat to be down.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = ""

    response, body = _healthz(client)

    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert _statuses(body) == {"database": "ok", "cache": "ok", "broker": "eager", "worker": "eager", "beat": "eager"}


def test_database_down_is_503(client, production_like, fresh_heartbeats, monkeypatch):
    # The check opens a connection of its own from these settings (this test's connection is already open).
    if connection.vendor == "postgresql":
        monkeypatch.setitem(connection.settings_dict, "PORT", str(_closed_port()))
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    else:
        monkeypatch.setitem(connection.settings_dict, "NAME", "/nonexistent/dir/db.sqlite3")

    response, body = _healthz(client)

    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["parts"]["database"]["status"] == "down"
    assert body["parts"]["database"]["error"] == "OperationalError"
    # The heartbeats live in the database: they cannot be told.
    assert body["parts"]["worker"]["status"] == body["parts"]["beat"]["status"] == "unknown"
    assert (body["parts"]["cache"]["status"], body["parts"]["broker"]["status"]) == ("ok", "ok")


def test_cache_down_is_503(client, production_like, fresh_heartbeats, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }

    response, body = _healthz(client)

    assert response.status_code == 503
    assert body["status"] == "down"
    assert _statuses(body) == {**dict.fromkeys(PARTS, "ok"), "cache": "down"}


def test_broker_unreachable_is_503_and_tells_no_address_or_password(client, production_like, fresh_heartbeats):
    production_like.CELERY_BROKER_URL = f"redis://:s3cret-broker-password@127.0.0.1:{_closed_port()}/0"

    response, body = _healthz(client)

    assert response.status_code == 503
    assert _statuses(body) == {**dict.fromkeys(PARTS, "ok"), "broker": "down"}
    text = response.content.decode()
    assert "s3cret" not in text and "redis://" not in text and "127.0.0.1" not in text


def test_a_hanging_part_keeps_the_request_no_longer_than_the_timeout(client, production_like, fresh_heartbeats,
                                                                      silent_port, settings):
    # The cache and the broker both accept the connection and never answer.
    settings.HEALTH_TIMEOUT_SECONDS = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_port}/0",
        }
    }
    production_like.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent_port}/0"

    started = time.monotonic()
    response, body = _healthz(client)
    elapsed = time.monotonic() - started

    assert elapsed < 2.5, elapsed
    assert response.status_code == 503
    assert body["parts"]["cache"] == {"status": "down", "ms": body["parts"]["cache"]["ms"], "error": "timeout"}
    assert body["parts"]["broker"]["status"] == "down"
    assert (body["parts"]["database"]["status"], body["parts"]["worker"]["status"]) == ("ok", "ok")


@pytest.mark.parametrize("stale", [("worker",), ("beat",), ("worker", "beat")])
def test_stale_heartbeat_is_503(client, production_like, stale):
    now = timezone.now()
    for name in ("worker", "beat"):
        record_heartbeat(name, now - dt.timedelta(seconds=91 if name in stale else 5))

    response, body = _healthz(client)

    assert response.status_code == 503
    assert body["status"] == "down"
    for name in ("worker", "beat"):
        part = body["parts"][name]
        assert part["status"] == ("down" if name in stale else "ok"), body
        assert part["last_seen"] is not None
    assert body["parts"][stale[0]]["error"] == "heartbeat too old"


def test_no_heartbeat_yet_is_503(client, production_like):
    response, body = _healthz(client)

    assert response.status_code == 503
    assert body["parts"]["worker"] == {"status": "down", "last_seen": None, "error": "no heartbeat yet"}
    assert body["parts"]["beat"]["status"] == "down"


# --- recording the heartbeats --------------------------------------------------------------------------------------


def test_beat_schedules_the_heartbeat_every_interval():
    entry = django_settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "portal.tasks.heartbeat" == tasks.heartbeat.name
    assert entry["schedule"] == django_settings.HEALTH_HEARTBEAT_SECONDS == 30
    assert django_settings.HEALTH_HEARTBEAT_MAX_AGE == 3 * django_settings.HEALTH_HEARTBEAT_SECONDS
    assert tasks.heartbeat.name in celery_app.tasks


def test_heartbeat_task_records_when_beat_sent_it_and_when_the_worker_ran_it(monkeypatch):
    monkeypatch.setattr(tasks, "_in_beat", False)
    beat_init.send(sender=None)  # what `celery beat` sends when it starts
    assert tasks._in_beat is True

    before = timezone.now()
    # Beat sends it (through a broker in memory): the beat process records the time it was sent...
    with celery_routed_to("memory://", "health-test"):
        tasks.heartbeat.apply_async()
    sent = _seen_at("beat")
    assert sent is not None
    assert _seen_at("worker") is None
    # ... and the worker that runs it records the time it ran.
    tasks.heartbeat.apply()
    ran = _seen_at("worker")
    assert ran is not None

    assert before <= sent <= ran <= timezone.now()
    tasks.heartbeat.apply()
    assert _seen_at("worker") >= ran  # the same row, moved on


def test_only_the_beat_process_records_the_beat_heartbeat(monkeypatch):
    # The web process or a shell sending the task proves nothing about beat.
    monkeypatch.setattr(tasks, "_in_beat", False)
    with celery_routed_to("memory://", "health-test"):
        tasks.heartbeat.apply_async()
    assert _seen_at("beat") is None


# --- manage.py healthcheck and scripts/healthcheck.py -------------------------------------------------------------


@pytest.mark.parametrize("part", ["worker", "beat"])
def test_healthcheck_command_checks_one_part(production_like, part, capsys):
    record_heartbeat(part, timezone.now() - dt.timedelta(seconds=300))
    with pytest.raises(CommandError, match=f"unhealthy: {part}"):
        call_command("healthcheck", part=[part])

    record_heartbeat(part)
    call_command("healthcheck", part=[part])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["status"] == "ok"
    assert set(report["parts"]) == {part}


def _load_script():
    spec = importlib.util.spec_from_file_location("healthcheck_script", ROOT / "scripts" / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("part", ["worker", "beat"])
def test_container_check_of_worker_and_beat_reads_their_heartbeat(production_like, part):
    script = _load_script()
    assert script.main(["--part", part]) == 1  # no heartbeat yet
    record_heartbeat(part)
    assert script.main(["--part", part]) == 0
    record_heartbeat(part, timezone.now() - dt.timedelta(seconds=300))
    assert script.main(["--part", part]) == 1


@pytest.fixture
def fake_web(monkeypatch) -> Iterator[dict]:
    """A local HTTP server standing in for gunicorn: answers /healthz with the status the test sets."""
    state: dict = {"status": 200, "headers": None}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["headers"] = dict(self.headers)
            state["path"] = self.path
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "down"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PORT", str(server.server_address[1]))
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "portal.example.gov.cn,.example.gov.cn")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_container_check_of_web_fails_on_503(fake_web):
    script = _load_script()
    assert script.main(["--part", "web"]) == 0
    assert fake_web["path"] == "/healthz?part=database&part=cache&part=broker"
    assert fake_web["headers"]["Host"] == "portal.example.gov.cn"
    assert fake_web["headers"]["X-Forwarded-Proto"] == "https"

    fake_web["status"] = 503
    assert script.main(["--part", "web"]) == 1
    assert script.main([]) == 1  # web is the default part (the Dockerfile's HEALTHCHECK passes none)


def test_healthz_reports_only_the_parts_asked_for(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # No heartbeat has ever been recorded: the full report is down, the web process's own parts are not.
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz", {"part": ["database", "cache"]})
    assert response.status_code == 200
    assert set(response.json()["parts"]) == {"database", "cache"}
    assert client.get("/healthz", {"part": "nonsense"}).status_code == 400
