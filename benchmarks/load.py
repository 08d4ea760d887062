"""Load benchmark: the production stack on the national data set under a mixed workload of every role.

What it does:

1. makes sure the national-scale data set exists (``benchmarks/national.py``: database ``bench_national``,
   seeded in about a minute when missing, reused when present) and prepares the workload's accounts: the
   demo logins get a production password hash (the seed runs with the test settings' fast hasher), four
   enterprises of 北辰区 get questionnaire accounts with their answers for the year removed (so they can fill
   it in again), and the demo CB's API records are drawn from the registry;
2. collects the static files into a temporary ``DJANGO_STATIC_ROOT`` (whitenoise's manifest storage needs
   them), then starts gunicorn with ``portal.settings.production`` on 127.0.0.1 and one Celery worker (the export
   jobs, and the refreshes of the cached figures, portal/figures.py), both on Redis database 12 (broker and cache;
   it is flushed first);
3. runs locust headless (``benchmarks/locustfile.py``): 20 users — HQ, provincial and district staff
   browsing dashboards, filtered lists, record pages, the map, trends and targets and downloading small report
   exports, experts,
   certification bodies browsing and posting API batches, enterprises filling in the questionnaire. Each
   user logs in once (a production password hash costs about half a second of CPU); the 60 s measured
   window starts when the last of them has logged in (up to ``LOAD_WARMUP`` = 20 s is allowed for that);
4. prints the warm-up, every endpoint (slowest first) and, as the last line, one JSON object::

       {"users": 20, "rps": ..., "p50_ms": ..., "p95_ms": ..., "page_p95_ms": ..., "server_page_p95_ms": ...,
        "errors": 0}

   ``page_p95_ms`` is the 95th percentile of the HTML page views (GET) only, as the client saw them;
   ``server_page_p95_ms`` the same views' server time (the ``Server-Timing`` header's ``app``, measured inside
   gunicorn: the load tool shares the two cores, so the client's figure swings between machines, this one much
   less). The goal is a server page p95 below 150 ms at 20 users with no errors. Every process it started is
   stopped, also on failure or Ctrl-C.

Run it (PostgreSQL and Redis on 127.0.0.1, the ``bench`` extra installed)::

    make bench-load
    .venv/bin/python benchmarks/load.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other LOAD_USERS=40 LOAD_SECONDS=120 \\
        LOAD_WORKERS=4 .venv/bin/python benchmarks/load.py

Other knobs: ``LOAD_PORT`` (8765), ``BENCH_BROKER_URL`` (``redis://127.0.0.1:6379/12``), ``LOAD_THREADS``
(gunicorn threads per worker, 1 = sync workers).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import DEFAULT_URL, ROOT, configure, ensure_national

URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "1"))
PORT = int(os.environ.get("LOAD_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
BIN = Path(sys.executable).parent

STAFF_ACCOUNTS = {
    "hq": ["hq"],
    "province": ["tianjin", "hebei"],
    "district": ["beichen", "wuqing", "binhai", "xiqing"],
    "expert": ["expert", "expert01", "expert02"],
    "cb_web": ["cb2", "cb"],
    "cb_api": ["cb"],  # the demo CB: its ledger for the year stays open (a dated exception)
}
ENTERPRISE_DISTRICT = "120113"  # 北辰区: its questionnaire is kept open by the seed
ENTERPRISE_ACCOUNTS = max(4, USERS // 5)  # one per simulated enterprise user (each submits once)
PILOT_YEAR = 2024
WARMUP = int(os.environ.get("LOAD_WARMUP", "20"))  # seconds allowed for spawning and logging in


# ---- set-up ------------------------------------------------------------------------------------------------


def _form_answers() -> dict[str, str]:
    pairs = {"revenue": ("1000", "1100"), "sales": ("800", "880"), "profit_margin": ("10", "11"),
             "quality_cost": ("5", "4.5"), "first_pass_yield": ("90", "94.5"), "conversion": ("50", "55"),
             "defect_rate": ("3", "2"), "customer_satisfaction": ("80", "88"), "complaint_rate": ("2", "1.5"),
             "maturity": ("1", "2")}
    answers = {f"{key}__{side}": value for key, (before, after) in pairs.items()
               for side, value in (("before", before), ("after", after))}
    answers.update({
        "operating_effect": "some", "quality_effect": "much", "qm_effect": "much", "credit_brand": "yes",
        "digital": "no", "lasting": "keep_improve", "sat_training": "5", "sat_cb_ability": "4",
        "sat_cb_attitude": "5", "sat_policy": "3", "sat_follow_up": "4", "effect": "4", "burden": "yes",
        "suggestions": "希望继续帮扶",
    })
    return answers


def prepare(plan_path: Path) -> dict[str, Any]:
    """Seed if needed and write the workload plan. Runs with the test settings, in this process."""
    configure(URL)
    ensure_national(URL)

    from axes.models import AccessAttempt, AccessFailureLog
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connections

    from enterprises.models import Enterprise, LedgerRecord
    from enterprises.questionnaire.models import Response
    from portal.models import User
    from portal.roles import Role
    from portal.seeding import DEMO_PASSWORD
    from portal.services import user_create
    from programme.models import ProgrammeYear

    year = int(ProgrammeYear.objects.order_by("-year").values_list("year", flat=True)[0])
    # Enterprise accounts for the questionnaire: assisted enterprises of 北辰区, answers for the year removed.
    demo_enterprise = User.objects.filter(username="enterprise").values_list("enterprise_id", flat=True).first()
    assisted = LedgerRecord.objects.filter(programme_year_id=year).values("enterprise_id")
    enterprises = list(Enterprise.objects.filter(district__code=ENTERPRISE_DISTRICT, pk__in=assisted)
                       .exclude(pk=demo_enterprise).order_by("uscc")[:ENTERPRISE_ACCOUNTS])
    enterprise_names = []
    for n, enterprise in enumerate(enterprises, 1):
        username = f"load-enterprise-{n}"
        user = User.objects.filter(username=username).first()
        if user is None or user.enterprise_id != enterprise.pk:
            User.objects.filter(username=username).delete()
            user_create(actor=None, username=username, password=DEMO_PASSWORD, role=Role.ENTERPRISE,
                        enterprise=enterprise, check_password=False, source="seed")
        enterprise_names.append(username)
    Response.objects.filter(enterprise__in=enterprises, programme_year_id=year).delete()

    accounts = {**STAFF_ACCOUNTS, "enterprise": enterprise_names}
    usernames = sorted({name for names in accounts.values() for name in names})
    # Production verifies with PBKDF2 (the seed stored the test settings' MD5 hashes). One hash serves all.
    encoded = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, PBKDF2PasswordHasher().salt())
    User.objects.filter(username__in=usernames).update(password=encoded, is_active=True)
    AccessAttempt.objects.filter(username__in=usernames).delete()
    AccessFailureLog.objects.filter(username__in=usernames).delete()

    units = dict(User.objects.filter(username__in=usernames, org_unit__isnull=False)
                 .values_list("username", "org_unit__code"))
    api_records: dict[str, list[dict[str, Any]]] = {}
    for username in STAFF_ACCOUNTS["cb_api"]:
        cb_id = User.objects.get(username=username).certification_body_id
        own = LedgerRecord.objects.filter(certification_body_id=cb_id, programme_year_id=year).values("enterprise_id")
        rows = (Enterprise.objects.filter(pk__in=own).select_related("district").order_by("uscc")[:150])
        api_records[username] = [{
            "uscc": e.uscc, "name": e.name, "district_code": e.district.code, "industry": e.industry,
            "employees": e.employees, "revenue": float(e.revenue) if e.revenue is not None else None,
            "dimensions": ["quality_mgmt", "technology"], "modes": ["diagnosis"],
            "start_date": f"{year}-06-01", "end_date": f"{year}-08-31", "experts_count": 2,
            "problems_found": 4, "problems_solved": 3, "certification_fee": 15000, "fee_reduction": 5000,
            "certified": False,
        } for e in rows]
    plan = {
        "year": year,
        "pilot_year": PILOT_YEAR,
        "password": DEMO_PASSWORD,
        "accounts": accounts,
        "provinces": {u: units[u] for u in STAFF_ACCOUNTS["province"]},
        "districts": {u: units[u] for u in STAFF_ACCOUNTS["district"]},
        "api_records": api_records,
        "answers": _form_answers(),
    }
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    connections.close_all()
    return plan


# ---- processes ---------------------------------------------------------------------------------------------


class Stack:
    """The processes this script starts; ``stop()`` ends every one of them (process groups)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DATABASE_URL": URL,
            "CELERY_BROKER_URL": BROKER,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "REDIS_CACHE_URL": BROKER,
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }

    def run(self, *args: str) -> None:
        subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self, label: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{label}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append((label, proc))
        return proc

    def stop(self) -> None:
        for _label, proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _label, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def log_tail(self, label: str, lines: int = 30) -> str:
        path = self.workdir / f"{label}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(BROKER).flushdb()


def wait_for_server(stack: Stack, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{stack.log_tail('gunicorn')}")
        try:
            with urllib.request.urlopen(f"{HOST}/healthz?part=database&part=cache", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz:\n{stack.log_tail('gunicorn')}")


# ---- figures -----------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _server(samples: list[list[Any]]) -> list[float]:
    """The server's own times (``Server-Timing: app``) of the samples that carry one."""
    return [s[7] for s in samples if len(s) > 7 and s[7] is not None]


def report(data: dict[str, Any]) -> dict[str, Any]:
    """Figures of the measured window: from the moment every user has logged in, for LOAD_SECONDS."""
    everything: list[list[Any]] = data["samples"]
    logins = [s[3] for s in everything if s[2] == "login"]
    users = data["users"]
    start = max(data["logged_in"]) if len(data["logged_in"]) >= users else min(s[6] for s in everything)
    samples = [s for s in everything if start <= s[6] <= start + SECONDS]
    seconds = min(SECONDS, max(s[6] for s in samples) - start) if samples else SECONDS
    print(f"\nwarm-up: {len(logins)} login requests, p50 {percentile(logins, 50):.0f} ms, "
          f"max {max(logins, default=0):.0f} ms; measured window {seconds:.0f}s")
    requests = [s for s in samples if s[1] != "JOB"]
    times = [s[3] for s in requests]
    pages = [s[3] for s in requests if s[2] == "page"]
    errors = [s for s in everything if not s[4]]
    by_name: dict[tuple[str, str], list[list[Any]]] = {}
    for s in requests:
        by_name.setdefault((s[1], s[0]), []).append(s)
    print(f"\n{'endpoint':<58}{'kind':>9}{'n':>6}{'p50':>8}{'p95':>8}{'max':>8}{'err':>5}{'srv p50':>9}"
          f"{'srv p95':>9}")
    rows = sorted(by_name.items(), key=lambda kv: -percentile([s[3] for s in kv[1]], 95))
    for (method, name), group in rows:
        ms = [s[3] for s in group]
        server = _server(group)
        print(f"{(method + ' ' + name)[:57]:<58}{group[0][2]:>9}{len(group):>6}{statistics.median(ms):>8.0f}"
              f"{percentile(ms, 95):>8.0f}{max(ms):>8.0f}{sum(1 for s in group if not s[4]):>5}"
              f"{(statistics.median(server) if server else 0):>9.0f}{percentile(server, 95):>9.0f}")
    for s in errors[:20]:
        print(f"error: {s[1]} {s[0]} status={s[5]}")
    return {
        "users": users,
        "rps": round(len(requests) / seconds, 1),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "page_p95_ms": round(percentile(pages, 95), 1),
        # The server's own time of the same page views (Server-Timing "app"): what the load tool's share of the two
        # cores does not inflate.
        "server_page_p95_ms": round(percentile(_server([s for s in requests if s[2] == "page"]), 95), 1),
        "errors": len(errors),
    }


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    stack = Stack(workdir)

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        plan_path, samples_path = workdir / "plan.json", workdir / "samples.json"
        prepare(plan_path)
        flush_redis()
        started = time.perf_counter()
        stack.run("collectstatic", "--noinput")
        print(f"collectstatic: {time.perf_counter() - started:.1f}s")
        stack.start("celery", [str(BIN / "celery"), "-A", "portal", "worker", "--concurrency=1",
                               "--without-gossip", "--without-mingle", "--loglevel=WARNING"])
        worker_args = ["--workers", str(WORKERS)]
        if THREADS > 1:
            worker_args += ["--threads", str(THREADS)]
        server = stack.start("gunicorn", [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{PORT}",
                                          *worker_args, "--timeout", "60", "--log-level", "warning"])
        wait_for_server(stack, server)
        # Every user class of the locustfile has a fixed share of 20 users, scaled by LOAD_USERS.
        spawned = sum(max(1, round(share * USERS / 20)) for share in (3, 3, 4, 2, 2, 2, 4))
        env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_SAMPLES": str(samples_path), "LOAD_USERS": str(USERS)}
        print(f"locust: {spawned} users for {SECONDS}s against {HOST} ({WORKERS} gunicorn workers x {THREADS} threads)")
        subprocess.run(
            [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "--users", str(spawned), "--spawn-rate", str(max(1, spawned // 4)), "--run-time", f"{SECONDS + WARMUP}s",
             "--host", HOST, "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, check=False,
        )
        if not samples_path.exists():
            raise SystemExit("locust wrote no samples")
        for label, proc in stack.procs:
            if proc.poll() is not None:
                print(f"{label} exited early:\n{stack.log_tail(label)}")
        server_errors = stack.log_tail("gunicorn", 200)
        if "Traceback" in server_errors or "ERROR" in server_errors:
            print(f"gunicorn log:\n{server_errors}")
        figures = report(json.loads(samples_path.read_text()))
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))
    return 0 if figures["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
