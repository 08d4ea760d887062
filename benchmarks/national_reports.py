"""Scale out, not up: the national report pack with 1 and with 2 Celery workers.

The pack (``assessments.fanout``) is one task per provincial unit plus an assembling step. This script uses
the national data set (``benchmarks/national.py``), starts N worker processes (``--concurrency 1`` each, as
one container of ``docker compose up --scale worker=N`` would on a one-core share) on a private Redis
queue, starts the pack as HQ and times it from the click to the finished ZIP.

    .venv/bin/python benchmarks/national_reports.py

The last line is one JSON object: {"parts": 32, "workers_1_s": ..., "workers_2_s": ..., "speedup": ...}.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import DEFAULT_URL, ROOT, configure, ensure_national

URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
MEDIA = tempfile.mkdtemp(prefix="bench-media-")
os.environ.update({"CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": "0", "DJANGO_MEDIA_ROOT": MEDIA})
configure(URL)


def start_workers(n: int, queue: str) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": URL,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_MEDIA_ROOT": MEDIA,
        # The pack's parts are sent from inside a worker: they must go to the queue these workers consume.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    celery = str(Path(sys.executable).with_name("celery"))
    procs = [
        subprocess.Popen(
            [celery, "-A", "portal", "worker", "--concurrency=1", "--prefetch-multiplier=1", "-Q", queue,
             "-n", f"bench{i}-{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for i in range(n)
    ]
    time.sleep(6)  # let them connect
    return procs


def run_pack(workers: int) -> float:
    from portal.celery import app
    from portal.models import User
    from reporting.jobs import job_create
    from reporting.models import Job, JobStatus

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
    procs = start_workers(workers, queue)
    try:
        hq = User.objects.get(username="hq")
        started = time.perf_counter()
        job = job_create(actor=hq, kind="assessments.national_pack", title="bench", params={"year": 2024})
        deadline = time.monotonic() + float(os.environ.get("BENCH_TIMEOUT_S", "1200"))
        while True:
            job.refresh_from_db()
            if job.status in (JobStatus.DONE, JobStatus.FAILED):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"pack still {job.status} at {job.progress}/{job.total} parts: gave up")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if job.status != JobStatus.DONE:
            raise SystemExit(f"pack failed: {job.error}")
        Job.objects.filter(pk=job.pk).delete()
        print(f"{workers} worker(s): {seconds:.1f}s for {job.total} parts")
        return round(seconds, 1)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def main() -> None:
    ensure_national(URL)
    one = run_pack(1)
    two = run_pack(2)
    print(json.dumps({"parts": 32, "workers_1_s": one, "workers_2_s": two, "speedup": round(one / two, 2)}))


if __name__ == "__main__":
    main()
