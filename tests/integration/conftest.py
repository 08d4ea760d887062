"""Integration fixtures: a REAL Celery worker process on Redis against the pytest test database.

The shared worker is started once per test session (per xdist worker) with ``--pool=solo`` on its own queue
in a separate Redis database, so it never picks up another run's messages. It reads the test database through
``DATABASE_URL``; tests that use it need ``transactional_db`` (rows must be committed to be seen) and, as
transactional tests flush the database, they reload the reference data they need.

The fault-injection tests (``faults``, see faults.py) start and kill their own workers on a private
``redis-server``.

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

import pytest
import redis

from .faults import HANDLER_MODULE, ROOT, Cluster, PrivateRedis, celery_routed_to, database_url

# Redis database 15 is kept for the integration tests; CELERY_TEST_BROKER_URL overrides it.
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
# The worker's Django cache (figures it refreshes are read here through the same Redis database).
CACHE_URL = os.environ.get("CELERY_TEST_CACHE_URL", "redis://127.0.0.1:6379/14")
_database_url = database_url  # the name test_backup_restore.py imports


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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[Worker]:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {BROKER_URL}: {exc}. Start it (scripts/services.sh).")

    with django_db_blocker.unblock():
        db_url = database_url()
    queue = f"integration-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": db_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "REDIS_CACHE_URL": CACHE_URL,
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
    try:
        with celery_routed_to(BROKER_URL, queue):
            yield worker
    finally:
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


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory) -> Iterator[PrivateRedis]:
    """A ``redis-server`` of this module's own (never the shared one): the fault tests kill and restart it."""
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def faults(private_redis, transactional_db, settings) -> Iterator[Cluster]:
    """Workers this test starts and kills, on a Redis database of its own in the private Redis. They share the
    test's database (committed rows) and ``MEDIA_ROOT``; they are stopped before the database is flushed. Their
    logs are printed at teardown (pytest shows them when the test failed)."""
    if not private_redis.process or not private_redis.process.alive:
        private_redis.restart()  # an earlier test failed while it was down
    cluster = Cluster(redis_server=private_redis, db_url=database_url(), media_root=settings.MEDIA_ROOT)
    with celery_routed_to(cluster.broker_url, cluster.queue):
        try:
            yield cluster
        finally:
            cluster.stop_all()
            print(cluster.logs())
