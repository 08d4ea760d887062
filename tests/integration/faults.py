"""Fault injection for the worker tests: a private Redis that can be killed and started again on the same port,
Celery workers that can be SIGKILLed (the whole worker, or one prefork pool process), and the Celery routing of
this test process.

Everything here runs real processes: ``redis-server`` (no persistence, so a restart loses every message, as a
broker without AOF does) and ``celery worker`` against the pytest test database. The stale-job sweeper is sent
the way Celery beat sends it (a ``reporting.tasks.sweep_stale_jobs`` message every second instead of every
minute); workers get short ``JOB_STALE_SECONDS`` / ``JOB_HEARTBEAT_SECONDS`` and a ``JOB_PROGRESS_DELAY_SECONDS``
that slows each progress step so a kill lands in the middle of a job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.db import connection
from kombu import Connection, pools
from kombu.exceptions import OperationalError

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
HANDLER_MODULE = "tests.integration.job_handlers"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
BEAT_SECONDS = 1.0  # the sweeper's period while a test waits (production beat: 60 s)


def database_url() -> str:
    """The pytest test database as a URL for a worker process."""
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


def reset_app_connections() -> None:
    """Drop what the app built from its previous configuration (router, queues, producer/connection pools)."""
    celery_app.amqp.__dict__.pop("router", None)
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp._producer_pool = None
    celery_app._pool = None
    pools.reset()  # kombu keeps its pools per broker URL: a later routing to the same URL must not get closed ones


@contextmanager
def celery_routed_to(broker_url: str, queue: str) -> Iterator[None]:
    """Send this process's tasks to ``queue`` on ``broker_url`` (never eager); restore the previous routing."""
    keys = ("broker_url", "task_always_eager", "task_default_queue", "task_routes")
    saved = {key: celery_app.conf.get(key) for key in keys}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url  # Celery reads this variable before its own setting
    celery_app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
        task_routes={"reporting.tasks.run_job": {"queue": queue}},
    )
    reset_app_connections()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        celery_app.conf.update(saved)
        reset_app_connections()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LoggedProcess:
    """A child process whose merged stdout/stderr is collected line by line."""

    def __init__(self, name: str, proc: subprocess.Popen[str], ready_marker: str) -> None:
        self.name = name
        self.proc = proc
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._marker = ready_marker
        threading.Thread(target=self._pump, name=f"log-{name}", daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if self._marker in line:
                self.ready.set()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self, last: int = 150) -> str:
        return f"----- {self.name} (pid {self.pid}, exit {self.proc.poll()}) -----\n" + "\n".join(self.lines[-last:])

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.1):
            if not self.alive or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} did not start:\n{self.log()}")

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Kill the process and whatever it started (it leads its own process group): the test is over, nothing
        of its state is worth a graceful shutdown."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class PrivateRedis:
    """A throw-away ``redis-server`` on its own port, without persistence: a restart loses every message."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: LoggedProcess | None = None
        self._dbs = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(self.url(db), socket_connect_timeout=2)

    def fresh_db(self) -> int:
        """An empty database number of its own for one test (1-15, reused round-robin)."""
        self._dbs += 1
        db = (self._dbs - 1) % 15 + 1
        self.client(db).flushdb()
        return db

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir), "--logfile", "",
        ]  # fmt: skip
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True
        )
        self.process = LoggedProcess(f"redis-server :{self.port}", proc, "Ready to accept connections")
        self.process.wait_ready(15)
        self.client().ping()

    def kill(self) -> None:
        """SIGKILL, as when the broker's host or container dies."""
        assert self.process is not None
        self.process.sigkill()
        with pytest.raises(redis.ConnectionError):
            self.client().ping()

    def restart(self) -> None:
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def log(self) -> str:
        return self.process.log(40) if self.process else ""


class Cluster:
    """One test's Celery workers on a Redis database of their own in the private Redis. They use Celery's
    default queue, as production does (the sweeper running in a worker queues jobs there)."""

    queue = "celery"

    def __init__(self, *, redis_server: PrivateRedis, db_url: str, media_root: Path) -> None:
        self.redis = redis_server
        self.db = redis_server.fresh_db()
        self.broker_url = redis_server.url(self.db)
        self.db_url = db_url
        self.media_root = media_root
        self.name = f"faults-{uuid.uuid4().hex[:8]}"
        self.workers: list[LoggedProcess] = []
        self._last_beat = 0.0

    # -- processes -------------------------------------------------------------------------------------------

    def start_worker(self, *, delay: float = 0.0, pool: str = "solo", stale: float = 2.0,
                     heartbeat: float = 0.5) -> LoggedProcess:
        name = f"{self.name}-w{len(self.workers) + 1}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": self.db_url,
            "DATABASE_CONN_MAX_AGE": "0",
            "DJANGO_MEDIA_ROOT": str(self.media_root),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "JOB_PROGRESS_DELAY_SECONDS": str(delay),
            "JOB_STALE_SECONDS": str(stale),
            "JOB_HEARTBEAT_SECONDS": str(heartbeat),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
        cmd = [
            str(Path(sys.executable).with_name("celery")), "-A", "portal", "worker",
            f"--pool={pool}", "--concurrency=1", "--loglevel=INFO",
            "-Q", self.queue, "-n", f"{name}@%h", "-I", HANDLER_MODULE,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            start_new_session=True,
        )
        worker = LoggedProcess(name, proc, " ready.")
        self.workers.append(worker)
        worker.wait_ready(60)
        return worker

    @staticmethod
    def pool_processes(worker: LoggedProcess) -> list[int]:
        """The prefork pool processes of a worker (its child processes)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == worker.pid:
                children.append(int(stat.parent.name))
        return children

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()

    def logs(self) -> str:
        return "\n".join([*(w.log() for w in self.workers), self.redis.log()])

    # -- waiting -----------------------------------------------------------------------------------------------

    def beat(self) -> None:
        """What Celery beat does every minute in production: send the stale-job sweeper."""
        from reporting.tasks import sweep_stale_jobs

        if time.monotonic() - self._last_beat < BEAT_SECONDS:
            return
        self._last_beat = time.monotonic()
        with suppress(OperationalError):  # broker down: beat logs it and tries again at the next tick
            sweep_stale_jobs.delay()

    def wait(self, condition: Callable[[], bool], *, what: str, timeout: float = 30, beat: bool = False,
             poll: float = 0.1) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{self.logs()}")
            if beat:
                self.beat()
            time.sleep(poll)

    def kill_mid_job(self, job_id: int, kill: Callable[[], Any], *,
                     when: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 30) -> dict[str, Any]:
        """Wait until the job is running part-way (``0 < progress < total`` unless ``when`` says otherwise),
        run ``kill`` and return the job's row as it was left. Fails if the job ended before the kill landed."""
        from reporting.models import Job, JobStatus

        def row() -> dict[str, Any]:
            return Job.objects.filter(pk=job_id).values("status", "progress", "total", "attempts").get()

        def midway(r: dict[str, Any]) -> bool:
            return 0 < r["progress"] < r["total"]

        check = when or midway
        self.wait(lambda: row()["status"] == JobStatus.RUNNING and check(row()), poll=0.02, timeout=timeout,
                  what=f"job {job_id} to be running part-way")
        kill()
        left = row()
        if left["status"] != JobStatus.RUNNING:
            pytest.fail(f"job {job_id} ended before the kill landed ({left}): slow the jobs down more\n{self.logs()}")
        return left

    # -- the broker ----------------------------------------------------------------------------------------------

    def unacked_jobs(self) -> list[str]:
        """The ``run_job`` tasks delivered to a worker and never acknowledged (the worker died with them)."""
        ids = []
        for raw in self.redis.client(self.db).hvals("unacked"):
            headers = json.loads(raw)[0]["headers"]
            if headers["task"] == "reporting.tasks.run_job":
                ids.append(headers["id"])
        return ids

    def redeliver_unacked(self) -> list[str]:
        """What kombu's Redis transport does once ``visibility_timeout`` (two hours in production) has passed
        since an unacknowledged delivery: put the message back on its queue. Returns the ``run_job`` task ids."""
        ids = self.unacked_jobs()
        with Connection(self.broker_url, transport_options={"visibility_timeout": 0}) as conn:
            conn.default_channel.qos.restore_visible(start=0, num=1000)
        return ids

    def task_outcomes(self, task_id: str) -> list[str]:
        """The return values the workers logged for a task id (``'done'``, ``'skipped'``...)."""
        marker = f"[{task_id}] succeeded in "
        return [line.rsplit(": ", 1)[-1].strip("'") for w in self.workers for line in w.lines if marker in line]
