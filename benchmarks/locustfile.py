"""The mixed workload of the load benchmark (``benchmarks/load.py`` runs it; see there how).

Every role of the national data set works at once: HQ, provincial and district staff browse dashboards,
filtered lists and record pages, start small report exports and download them; experts open their
assignments; certification bodies browse their ledger and post small API batches; enterprises fill in and
submit the year-end questionnaire. Each simulated user logs in once, correctly (django-axes locks an
account after five failures).

``load.py`` writes the plan (accounts, programme year, API records) to the JSON file named by
``LOAD_PLAN`` and reads every request's timing back from ``LOAD_SAMPLES``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
YEAR: int = PLAN["year"]
PASSWORD: str = PLAN["password"]
SAMPLES: list[list[Any]] = []
# The measurement starts once every simulated user has logged in (a login costs a full PBKDF2 hash).
LOGGED_IN: list[float] = []
# The mix is set for 20 users (LOAD_USERS scales every role's share).
SCALE = int(os.environ.get("LOAD_USERS", "20")) / 20
_ACCOUNTS: dict[str, itertools.cycle[str]] = {role: itertools.cycle(names) for role, names in PLAN["accounts"].items()}


def _kind(method: str, response: Any, context: dict[str, Any]) -> str:
    if context.get("kind"):
        return str(context["kind"])
    content_type = response.headers.get("Content-Type", "") if response is not None else ""
    if method == "GET" and content_type.startswith("text/html"):
        return "page"
    if content_type.startswith("application/json"):
        return "api"
    return "download" if method == "GET" else "form"


SERVER_APP = re.compile(r"(?:^|,)\s*app;dur=([0-9.]+)")


def _server_ms(response: Any) -> float | None:
    """The server's own time for the request, from its ``Server-Timing`` header (portal.server_timing)."""
    header = response.headers.get("Server-Timing", "") if response is not None else ""
    match = SERVER_APP.search(header)
    return float(match.group(1)) if match else None


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response: Any = None, exception: Any = None,
            context: dict[str, Any] | None = None, **_kw: Any) -> None:
    status = getattr(response, "status_code", 0) or 0
    SAMPLES.append([name, request_type, _kind(request_type, response, context or {}), round(response_time, 2),
                    exception is None, status, round(time.time(), 3), _server_ms(response)])


@events.test_stop.add_listener
def _dump(**_kw: Any) -> None:
    path = os.environ.get("LOAD_SAMPLES")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"samples": SAMPLES, "logged_in": LOGGED_IN, "users": USERS}, fh)


def _share(users_of_20: int) -> int:
    return max(1, round(users_of_20 * SCALE))


LINK = {
    "enterprise": re.compile(r'href="/enterprises/(\d+)/"'),
    "ledger": re.compile(r'href="/enterprises/ledger/(\d+)/"'),
    "unit": re.compile(r'href="/units/(\d{6})/"'),
    "cb": re.compile(r'href="/cbs/(\d+)/"'),
    "evaluation": re.compile(r'href="/assessments/evaluations/(\d+)/"'),
    "self": re.compile(r'href="/assessments/self-assessments/(\d+)/"'),
    "response": re.compile(r'href="/questionnaire/responses/(\d+)/"'),
    "assignment": re.compile(r'href="/assessments/expert/(\d+)/"'),
    "report": re.compile(r'href="(/assessments/reports/\d+/download/)"'),
}


class PortalUser(HttpUser):
    """A logged-in portal user; ``role`` picks the account from the plan."""

    abstract = True
    wait_time = between(0.5, 1.5)
    role = ""

    def on_start(self) -> None:
        self.username = next(_ACCOUNTS[self.role])
        self.links: dict[str, list[str]] = {}
        self.client.get("/accounts/login/", name="/accounts/login/", context={"kind": "login"})
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "next": "/",
                  "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            name="/accounts/login/ [POST]", context={"kind": "login"}, catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies or "/accounts/login/" in response.url:
                response.failure(f"login failed for {self.username}")
                raise StopUser
        LOGGED_IN.append(time.time())

    # -- helpers ---------------------------------------------------------------------------------------------

    def page(self, path: str, name: str | None = None, **params: Any) -> str:
        """GET an HTML page; a page that lands on the login form (session lost) is a failure."""
        with self.client.get(path, params=params or None, name=name or path, catch_response=True) as response:
            if response.ok and "/accounts/login/" in response.url:
                response.failure("redirected to the login page")
            text = response.text if response.ok else ""
        for key, pattern in LINK.items():
            found = pattern.findall(text)
            if found:
                self.links[key] = found
        return text

    def follow(self, key: str, template: str, name: str) -> None:
        """Open one of the detail pages linked from a list seen before (if any)."""
        ids = self.links.get(key)
        if ids:
            self.page(template.format(random.choice(ids)), name=name)

    def post_form(self, path: str, data: dict[str, Any], name: str, **kw: Any) -> Any:
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        return self.client.post(path, data=data, name=name, **kw)

    def export_and_download(self, path: str, data: dict[str, Any], name: str) -> None:
        """Start a report job, poll its status like the htmx page does, download the file."""
        with self.client.post(path, data={**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                              name=name, allow_redirects=False, context={"kind": "form"},
                              catch_response=True) as response:
            match = re.search(r"/jobs/(\d+)/", response.headers.get("Location", ""))
            if response.status_code != 302 or not match:
                response.failure(f"no job started ({response.status_code})")
                return
        job = match.group(1)
        self.page(f"/jobs/{job}/", name="/jobs/[id]/")
        deadline = time.monotonic() + 45
        status = ""
        while time.monotonic() < deadline:
            time.sleep(1)
            response = self.client.get(f"/jobs/{job}/", headers={"HX-Request": "true"}, name="/jobs/[id]/ (htmx)",
                                       context={"kind": "poll"})
            found = re.search(r'data-status="(\w+)"', response.text)
            status = found.group(1) if found else ""
            if status in {"done", "failed"}:
                break
        if status == "done":
            self.client.get(f"/jobs/{job}/download/", name="/jobs/[id]/download/", context={"kind": "download"})
        else:
            events.request.fire(request_type="JOB", name=name + " (job)", response_time=0, response_length=0,
                                exception=RuntimeError(f"job {job} ended {status or 'unfinished'}"),
                                context={"kind": "job"})


class StaffUser(PortalUser):
    abstract = True
    scope = ""  # a province or district code for the filters

    @task(3)
    def dashboard(self) -> None:
        self.page("/", name="/ (dashboard)")

    @task(3)
    def enterprises(self) -> None:
        params = random.choice([
            {}, {"size_class": "micro"}, {"industry": "industry"}, {"q": "有限"}, {"district": self.scope},
            {"page": "2"},
        ])
        self.page("/enterprises/", name="/enterprises/ (list)", **params)
        self.follow("enterprise", "/enterprises/{}/", "/enterprises/[id]/")

    @task(4)
    def ledger(self) -> None:
        params = random.choice([
            {"year": YEAR}, {"year": YEAR, "certified": "1"}, {"dimension": "technology"}, {"district": self.scope},
            {"mode": "diagnosis", "year": YEAR - 1}, {"page": "3"},
        ])
        self.page("/enterprises/ledger/", name="/enterprises/ledger/ (list)", **params)
        self.follow("ledger", "/enterprises/ledger/{}/", "/enterprises/ledger/[id]/")

    @task(2)
    def questionnaire(self) -> None:
        params = random.choice([{}, {"status": "pending"}, {"status": "submitted"}, {"q": "有限"}])
        self.page(f"/questionnaire/{YEAR}/progress/", name="/questionnaire/[year]/progress/", **params)
        self.follow("response", "/questionnaire/responses/{}/", "/questionnaire/responses/[id]/")

    @task(1)
    def questionnaire_aggregates(self) -> None:
        self.page(f"/questionnaire/{YEAR}/aggregates/", name="/questionnaire/[year]/aggregates/")

    @task(2)
    def assessments(self) -> None:
        self.page("/assessments/", name="/assessments/", year=random.choice([YEAR - 2, YEAR - 3]))
        self.follow("evaluation", "/assessments/evaluations/{}/", "/assessments/evaluations/[id]/")
        self.follow("self", "/assessments/self-assessments/{}/", "/assessments/self-assessments/[id]/")

    @task(2)
    def analytics(self) -> None:
        """The programme's picture: the map, the trends (one unit, and small multiples) and the targets."""
        indicator = random.choice(["assisted_enterprises", "trained_persons", "q_response_rate", "fee_reduction"])
        path, name, params = random.choice([
            ("/analytics/map/", "/analytics/map/", {"indicator": indicator, "year": YEAR}),
            ("/analytics/trends/", "/analytics/trends/", {"indicator": indicator}),
            ("/analytics/trends/units/", "/analytics/trends/units/", {"indicator": indicator}),
            ("/targets/", "/targets/", {}),
        ])
        self.page(path, name=name, **params)

    @task(1)
    def units(self) -> None:
        self.page("/units/", name="/units/")
        self.follow("unit", "/units/{}/", "/units/[code]/")

    @task(1)
    def other_lists(self) -> None:
        path = random.choice(["/cbs/", "/pilots/", "/enterprises/training/", "/enterprises/discrepancies/",
                              "/jobs/", "/notifications/"])
        self.page(path)
        if path == "/cbs/":
            self.follow("cb", "/cbs/{}/", "/cbs/[id]/")


class HQUser(StaffUser):
    role = "hq"
    fixed_count = _share(3)
    scope = "120000"


class ProvinceUser(StaffUser):
    role = "province"
    fixed_count = _share(3)

    def on_start(self) -> None:
        super().on_start()
        self.scope = PLAN["provinces"][self.username]

    @task(1)
    def annex_report(self) -> None:
        """The province's annex-3 pilot statistics (XLSX) or the pilots' PDF: a job, polled, downloaded."""
        if random.random() < 0.5:
            fmt = random.choice(["xlsx", "xlsx", "pdf"])
            self.export_and_download("/pilots/export/", {"year": PLAN["pilot_year"], "province": self.scope,
                                                         "format": fmt}, name=f"/pilots/export/ [{fmt}]")


class DistrictUser(StaffUser):
    role = "district"
    fixed_count = _share(4)

    def on_start(self) -> None:
        super().on_start()
        self.scope = PLAN["districts"][self.username]

    @task(1)
    def self_assessment(self) -> None:
        self.page(f"/assessments/self/{YEAR}/", name="/assessments/self/[year]/")

    @task(1)
    def cases(self) -> None:
        self.page(f"/assessments/cases/{YEAR}/", name="/assessments/cases/[year]/")

    @task(1)
    def ledger_export(self) -> None:
        if random.random() < 0.3:
            self.export_and_download_get()

    def export_and_download_get(self) -> None:
        with self.client.get("/enterprises/ledger/", params={"year": YEAR, "export": "xlsx"}, allow_redirects=False,
                             name="/enterprises/ledger/?export=xlsx", context={"kind": "form"},
                             catch_response=True) as response:
            match = re.search(r"/jobs/(\d+)/", response.headers.get("Location", ""))
            if response.status_code != 302 or not match:
                response.failure(f"no job started ({response.status_code})")
                return
        job = match.group(1)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            time.sleep(1)
            text = self.client.get(f"/jobs/{job}/", headers={"HX-Request": "true"}, name="/jobs/[id]/ (htmx)",
                                   context={"kind": "poll"}).text
            if 'data-status="done"' in text:
                self.client.get(f"/jobs/{job}/download/", name="/jobs/[id]/download/", context={"kind": "download"})
                return
            if 'data-status="failed"' in text:
                break
        events.request.fire(request_type="JOB", name="ledger export (job)", response_time=0, response_length=0,
                            exception=RuntimeError(f"job {job} did not finish"), context={"kind": "job"})


class ExpertUser(PortalUser):
    role = "expert"
    fixed_count = _share(2)

    @task(2)
    def dashboard(self) -> None:
        self.page("/", name="/ (dashboard)")

    @task(4)
    def assignments(self) -> None:
        self.page("/assessments/expert/", name="/assessments/expert/")
        self.follow("assignment", "/assessments/expert/{}/", "/assessments/expert/[id]/")

    @task(1)
    def scheme(self) -> None:
        self.page(f"/assessments/scheme/{YEAR - 2}/", name="/assessments/scheme/[year]/")


class CBWebUser(PortalUser):
    role = "cb_web"
    fixed_count = _share(2)

    @task(2)
    def dashboard(self) -> None:
        self.page("/", name="/ (dashboard)")

    @task(4)
    def ledger(self) -> None:
        params = random.choice([{}, {"year": YEAR}, {"certified": "0"}, {"q": "有限"}, {"page": "2"}])
        self.page("/enterprises/ledger/", name="/enterprises/ledger/ (list)", **params)
        self.follow("ledger", "/enterprises/ledger/{}/", "/enterprises/ledger/[id]/")

    @task(2)
    def enterprises(self) -> None:
        self.page("/enterprises/", name="/enterprises/ (list)")
        self.follow("enterprise", "/enterprises/{}/", "/enterprises/[id]/")

    @task(1)
    def uploads_and_codes(self) -> None:
        path = random.choice(["/enterprises/ledger/uploads/", "/questionnaire/codes/", "/enterprises/training/",
                              f"/assessments/courses/{YEAR}/", "/cbs/"])
        self.page(path)

    @task(1)
    def template(self) -> None:
        self.client.get(f"/enterprises/ledger/template/{YEAR}.xlsx", name="/enterprises/ledger/template/[year].xlsx")


class CBApiUser(HttpUser):
    """A certification body's own system: token once, then small batches and reads over the API."""

    fixed_count = _share(2)
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        username = next(_ACCOUNTS["cb_api"])
        response = self.client.post("/api/token/", json={"username": username, "password": PASSWORD},
                                    name="/api/token/", context={"kind": "login"})
        if response.status_code != 200:
            raise StopUser
        self.client.headers["Authorization"] = f"Token {response.json()['token']}"
        LOGGED_IN.append(time.time())
        self.pool: list[dict[str, Any]] = PLAN["api_records"][username]

    @task(3)
    def batch(self) -> None:
        records = []
        for base in random.sample(self.pool, 5):
            record = dict(base)
            record["experts_count"] = random.randint(1, 3)  # some updated, some unchanged
            records.append(record)
        with self.client.post("/api/ledger-records/batch/", json={"programme_year": YEAR, "records": records},
                              name="/api/ledger-records/batch/", catch_response=True) as response:
            if response.ok and response.json()["counts"]["failed"]:
                response.failure(f"records failed: {response.text[:300]}")

    @task(2)
    def read(self) -> None:
        self.client.get("/api/ledger-records/", params={"programme_year": YEAR, "page_size": 20},
                        name="/api/ledger-records/")

    @task(1)
    def enterprises(self) -> None:
        self.client.get("/api/enterprises/", params={"page_size": 20}, name="/api/enterprises/")


class EnterpriseUser(PortalUser):
    """Fills in the year-end questionnaire: saves drafts, then submits once; afterwards only reads."""

    role = "enterprise"
    fixed_count = _share(4)

    def on_start(self) -> None:
        super().on_start()
        self.saves = 0
        self.submitted = False

    @task(1)
    def dashboard(self) -> None:
        self.page("/", name="/ (dashboard)")

    @task(3)
    def questionnaire(self) -> None:
        self.page(f"/questionnaire/{YEAR}/", name="/questionnaire/[year]/ (fill)")
        if self.submitted:
            return
        answers = dict(PLAN["answers"])
        answers["revenue__after"] = str(1000 + random.randint(50, 150))
        submit = self.saves >= 3
        answers["submit" if submit else "save"] = "1"
        with self.post_form(f"/questionnaire/{YEAR}/", answers, catch_response=True,
                            name=f"/questionnaire/[year]/ [{'submit' if submit else 'save'}]") as response:
            if response.ok and "/accounts/login/" in response.url:
                response.failure("redirected to the login page")
        self.saves += 1
        self.submitted = submit


USERS = sum(cls.fixed_count for cls in (HQUser, ProvinceUser, DistrictUser, ExpertUser, CBWebUser, CBApiUser,
                                        EnterpriseUser))
