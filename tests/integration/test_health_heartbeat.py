"""The heartbeats end to end: a real ``celery beat`` sends ``portal.tasks.heartbeat`` through Redis to the real test
worker, beat records the send, the worker records the run, and /healthz's worker and beat parts follow them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from portal.health import health_report
from portal.models import Heartbeat

from .conftest import BROKER_URL
from .faults import ROOT, LoggedProcess, database_url

pytestmark = pytest.mark.worker

INTERVAL = 1.0  # production: HEALTH_HEARTBEAT_SECONDS = 30


@pytest.fixture
def beat(worker, tmp_path):
    """``celery beat`` sending the heartbeat every second to the test worker's queue."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": worker.queue,
        "HEALTH_HEARTBEAT_SECONDS": str(INTERVAL),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
    }
    celery = Path(sys.executable).with_name("celery")
    cmd = [str(celery), "-A", "portal", "beat", "--loglevel=INFO", f"--schedule={tmp_path / 'celerybeat-schedule'}"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        start_new_session=True,
    )  # fmt: skip
    process = LoggedProcess("celery beat", proc, "beat: Starting")
    process.wait_ready(60)
    try:
        yield process
    finally:
        process.stop()
        print(process.log())


def _fresh(name: str, max_age: float) -> bool:
    seen = Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()
    return seen is not None and (timezone.now() - seen).total_seconds() <= max_age


def test_beat_and_worker_heartbeats_arrive_and_go_stale_when_beat_stops(worker, beat, wait_until, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.HEALTH_HEARTBEAT_MAX_AGE = 3 * INTERVAL

    wait_until(lambda: _fresh("beat", 3) and _fresh("worker", 3), timeout=30,
               message=f"no heartbeats:\n{beat.log()}\n{worker.log}")  # fmt: skip
    assert any("Sending due task heartbeat (portal.tasks.heartbeat)" in line for line in beat.lines), beat.log()
    assert any("Task portal.tasks.heartbeat[" in line and "succeeded" in line for line in worker.lines), worker.log

    report = health_report(["broker", "worker", "beat"])
    assert report["status"] == "ok", report
    assert {name: part["status"] for name, part in report["parts"].items()} == dict.fromkeys(
        ("broker", "worker", "beat"), "ok"
    )

    # Beat gone: nothing sends the heartbeat any more, so both go stale (the worker has nothing to run).
    beat.stop()
    time.sleep(3 * INTERVAL + 1)
    report = health_report(["worker", "beat"])
    assert report["status"] == "down"
    assert report["parts"]["beat"]["status"] == report["parts"]["worker"]["status"] == "down"
