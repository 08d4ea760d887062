"""Integration fixtures: a REAL Celery worker process on Redis against the pytest test database.

The worker is started once per test session (per xdist worker) with ``--pool=solo`` on its own queue in a
separate Redis database, so it never picks up another run's messages. It reads the test database through
``DATABASE_URL``; tests that use it need ``transactional_db`` (rows must be committed to be seen) and, as
transactional tests flush the database, they reload the reference data they need.

Nothing here is skipped: if Redis or PostgreSQL is not there, the tests fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
# Redis database 15 is kept for the integration tests; CELERY_TEST_BROKER_URL overrides it.
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
HANDLER_MODULE = "tests.integration.job_handlers"


def _database_url() -> str:
    settings = connection.settings_dict
    if settings["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail(
            "the worker tests need PostgreSQL: run them with DATABASE_URL=postgres://... (make test does); "
            f"the test database here is {settings['ENGINE']}"
        )
    user = quote(settings.get("USER") or "postgres")
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}" if password else user
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"


class Worker:
    def __init__(self, proc: subprocess.Popen[str], queue: str) -> None:
        self.proc = proc
        self.queue = queue
        self.lines: list[str] = []
        self.ready = threading.Event()

    def pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if " ready." in line:
                self.ready.set()

    @property
    def log(self) -> str:
        return "\n".join(self.lines[-80:])


def _reset_app_connections() -> None:
    """Drop what the app built from its previous configuration (router, queues, producer/connection pools)."""
    celery_app.amqp.__dict__.pop("router", None)
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp._producer_pool = None
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[Worker]:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {BROKER_URL}: {exc}. Start it (scripts/services.sh).")

    with django_db_blocker.unblock():
        database_url = _database_url()
    queue = f"integration-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
    }
    celery = Path(sys.executable).with_name("celery")
    cmd = [
        str(celery), "-A", "portal", "worker",
        "--pool=solo", "--loglevel=INFO",
        "-Q", queue, "-n", f"{queue}@%h",
        "-I", HANDLER_MODULE,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    worker = Worker(proc, queue)
    threading.Thread(target=worker.pump, daemon=True).start()
    deadline = time.monotonic() + 60
    while not worker.ready.wait(0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the Celery worker did not start (exit code {proc.poll()}):\n{worker.log}")

    # Send this process's tasks to the test worker: the real broker, its own queue, never eager.
    saved = {key: celery_app.conf.get(key) for key in
             ("broker_url", "task_always_eager", "task_default_queue", "task_routes")}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = BROKER_URL  # Celery reads this variable before its own setting
    celery_app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        task_default_queue=queue,
        task_routes={"reporting.tasks.run_job": {"queue": queue}},
    )
    _reset_app_connections()
    try:
        yield worker
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        celery_app.conf.update(saved)
        _reset_app_connections()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        client = redis.Redis.from_url(BROKER_URL)
        client.delete(queue, *client.keys(f"_kombu.binding*{queue}"))


@pytest.fixture
def worker(celery_worker_process: Worker, transactional_db) -> Worker:
    """The running worker, for a test that commits its rows (transactional) so the worker can see them."""
    assert celery_worker_process.proc.poll() is None, f"the worker died:\n{celery_worker_process.log}"
    return celery_worker_process


@pytest.fixture
def wait_until() -> Callable[..., None]:
    def _wait(condition: Callable[[], bool], *, timeout: float = 30, message: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        pytest.fail(f"timed out after {timeout}s: {message}")

    return _wait
