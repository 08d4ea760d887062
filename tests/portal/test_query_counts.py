"""The list pages and dashboards issue a fixed number of queries, whatever the number of rows they show.

Each case builds a few rows of everything, counts the page's queries, adds more rows and counts again:
the count must not grow (a query per row — an N+1 — would).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as assessment_services
from enterprises.models import (
    DiscrepancyField,
    EnterpriseDiscrepancy,
    LedgerUpload,
    TrainingDelivery,
    TrainingRecord,
    UploadStatus,
)
from enterprises.questionnaire.seed import minimal_ledger_record
from portal.models import User
from portal.notifications import notify
from reporting.models import Job
from tests.assessments.factories import give_scores, hq_evaluation, province_evaluation
from tests.factories import (
    CertificationBodyFactory,
    EnterpriseFactory,
    cb_user,
    district_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
)
from tests.questionnaire.factories import response, version

pytestmark = pytest.mark.django_db

YEAR = 2024
DISTRICTS = ["120113", "120114", "120116", "120111", "120112", "120115", "120117", "120118"]


class World:
    """One user per role and a way to add rows of every kind they list."""

    def __init__(self) -> None:
        version(YEAR)
        self.cb_user = cb_user()
        self.cb = self.cb_user.certification_body
        self.expert = expert_user()
        self.users: dict[str, User] = {
            "hq": hq_user(),
            "province": province_user("120000"),
            "district": district_user("120113"),
            "expert": self.expert,
            "cb": self.cb_user,
            "enterprise": enterprise_user(EnterpriseFactory(district_code="120113")),
        }
        self.hq_evaluation = hq_evaluation(YEAR)
        self.province_evaluation = province_evaluation("120000", YEAR)
        self._n = itertools.count()

    def grow(self, rows: int) -> None:
        """Add ``rows`` rows of each kind (each with its own related objects, as real data has)."""
        for _ in range(rows):
            n = next(self._n)
            district = DISTRICTS[n % len(DISTRICTS)]
            enterprise = EnterpriseFactory(district_code=district)
            other_cb = CertificationBodyFactory()
            for cb in (self.cb, other_cb):
                minimal_ledger_record(enterprise=enterprise, year=YEAR, certification_body_id=cb.pk).save()
            response(enterprise, YEAR, submitted=n % 2 == 0, sat_training=4, effect=3)
            EnterpriseDiscrepancy.objects.create(
                enterprise=enterprise, field=DiscrepancyField.NAME, registry_value=enterprise.name,
                reported_value=enterprise.name + "（分公司）", reported_by=other_cb, programme_year_id=YEAR)
            TrainingRecord.objects.create(
                programme_year_id=YEAR, certification_body=self.cb if n % 2 else other_cb,
                district=enterprise.district, held_on=dt.date(YEAR, 6, 1 + n % 28), organiser="主办单位",
                topic=f"质量管理体系培训{n}", delivery=TrainingDelivery.choices[0][0], enterprise_count=10,
                person_count=20)
            LedgerUpload.objects.create(programme_year_id=YEAR, certification_body=self.cb,
                                        uploaded_by=self.cb_user, original_name=f"ledger-{n}.xlsx",
                                        file_format="xlsx", status=UploadStatus.COMMITTED)
            for user in self.users.values():
                Job.objects.create(kind="ledger_export", title=f"导出{n}", created_by=user)
                notify(recipients=[user], title=f"通知{n}", body="正文", url="/")
            # Evaluations: each district of Tianjin assesses itself; experts score units of both evaluations.
            unit_user = district_user(district)
            assessment_services.self_assessment_get_or_create(actor=unit_user, year=YEAR, unit=unit_user.org_unit)
            give_scores(self.province_evaluation, district, [80.0], expert=self.expert)
            give_scores(self.hq_evaluation, ["120000", "130000", "140000", "150000"][n % 4], [75.0],
                        expert=self.expert)


@pytest.fixture
def world() -> World:
    return World()


PAGES: list[tuple[str, str]] = [  # role, url
    ("hq", "/"),
    ("province", "/"),
    ("district", "/"),
    ("expert", "/"),
    ("cb", "/"),
    ("enterprise", "/"),
    ("hq", "/enterprises/"),
    ("province", "/enterprises/"),
    ("district", "/enterprises/"),
    ("cb", "/enterprises/"),
    ("hq", "/enterprises/ledger/"),
    ("hq", "/enterprises/ledger/?year={year}"),
    ("province", "/enterprises/ledger/"),
    ("district", "/enterprises/ledger/"),
    ("cb", "/enterprises/ledger/"),
    ("cb", "/enterprises/ledger/uploads/"),
    ("hq", "/enterprises/training/"),
    ("district", "/enterprises/training/"),
    ("cb", "/enterprises/training/"),
    ("hq", "/enterprises/discrepancies/?status="),
    ("district", "/enterprises/discrepancies/?status="),
    ("hq", "/questionnaire/{year}/progress/"),
    ("hq", "/questionnaire/{year}/progress/?status=pending"),
    ("province", "/questionnaire/{year}/progress/?status=submitted"),
    ("district", "/questionnaire/{year}/progress/"),
    ("province", "/questionnaire/{year}/aggregates/"),
    ("hq", "/questionnaire/{year}/aggregates/"),
    ("cb", "/questionnaire/codes/"),
    ("district", "/questionnaire/codes/"),
    ("hq", "/assessments/?year={year}"),
    ("province", "/assessments/?year={year}"),
    ("hq", "/assessments/evaluations/{hq_evaluation}/"),
    ("province", "/assessments/evaluations/{province_evaluation}/"),
    ("expert", "/assessments/expert/"),
    ("hq", "/units/"),
    ("hq", "/units/120000/"),
    ("hq", "/cbs/"),
    ("hq", "/jobs/"),
    ("cb", "/jobs/"),
    ("district", "/notifications/"),
]


def _count(client: Any, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _check(world: World, login: Callable[[User], Any], role: str, url: str) -> None:
    client = login(world.users[role])
    client.get(url)  # warm up (content types, translations, first session write)
    few, _ = _count(client, url)
    world.grow(4)
    many, queries = _count(client, url)
    assert many <= few, f"{role} {url}: {few} queries with 2 rows of each kind, {many} with 6:\n" + "\n".join(
        q[:200] for q in queries)


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{role}:{url}" for role, url in PAGES])
def test_page_query_count_does_not_grow_with_rows(world, login, role, url):
    url = url.format(year=YEAR, hq_evaluation=world.hq_evaluation.pk,
                     province_evaluation=world.province_evaluation.pk)
    world.grow(2)
    _check(world, login, role, url)


def test_ledger_pages_across_years_match_the_sorted_list(world):
    """The ledger list without a year filter is paged year by year: same records, same order."""
    from enterprises.ledger.selectors import LedgerPages, ledger_list

    world.grow(3)
    for year in (YEAR - 1, YEAR + 1):
        for n in range(3):
            enterprise = EnterpriseFactory(district_code=DISTRICTS[n])
            minimal_ledger_record(enterprise=enterprise, year=year, certification_body_id=world.cb.pk).save()
    queryset = ledger_list(user=world.users["hq"])
    pages = LedgerPages(queryset)
    pages.SORT_BELOW = 0  # use the year-by-year path on this small list
    everything = list(queryset.values_list("pk", flat=True))
    assert pages.count() == len(everything) == 12
    for start, stop in [(0, 2), (0, 12), (2, 5), (3, 10), (8, 12), (11, 20), (12, 14)]:
        assert [r.pk for r in pages[start:stop]] == everything[start:stop], (start, stop)


def test_progress_status_filters(world):
    """The status filters of the questionnaire progress list (semi-joins) select what they say."""
    from enterprises.questionnaire.models import ResponseStatus
    from enterprises.questionnaire.selectors import progress_list

    world.grow(4)
    lonely = EnterpriseFactory(district_code="120113")  # assisted, no questionnaire
    minimal_ledger_record(enterprise=lonely, year=YEAR, certification_body_id=world.cb.pk).save()
    hq = world.users["hq"]
    rows = {e.pk: e.q_status for e in progress_list(user=hq, year=YEAR)}
    assert rows[lonely.pk] is None
    for status, expected in [
        ("submitted", {pk for pk, s in rows.items() if s == ResponseStatus.SUBMITTED}),
        ("draft", {pk for pk, s in rows.items() if s == ResponseStatus.DRAFT}),
        ("none", {pk for pk, s in rows.items() if s is None}),
        ("pending", {pk for pk, s in rows.items() if s != ResponseStatus.SUBMITTED}),
    ]:
        assert {e.pk for e in progress_list(user=hq, year=YEAR, status=status)} == expected, status
        assert expected


def test_dashboard_counts_match_the_aggregates(world):
    from enterprises.questionnaire.selectors import aggregates_by_unit, response_counts
    from tests.factories import unit

    world.grow(5)
    for code in ("000000", "120000", "120113"):
        full = aggregates_by_unit(year=YEAR, units=[unit(code)])[code]
        counts = response_counts(year=YEAR, unit=unit(code))
        assert (counts.assisted, counts.submitted, counts.response_rate) == (
            full.assisted, full.submitted, full.response_rate), code


@pytest.mark.parametrize("role", ["hq", "province", "district"])
def test_progress_page_count_without_filters_is_the_assisted_count(world, login, role):
    """Unfiltered, the progress list is counted from the tiles' figure: it must be the list's length."""
    from enterprises.questionnaire.selectors import progress_list

    world.grow(3)
    user = world.users[role]
    page = login(user).get(f"/questionnaire/{YEAR}/progress/")
    assert page.status_code == 200
    expected = progress_list(user=user, year=YEAR).count()
    assert page.context["page_obj"].paginator.count == expected == page.context["figures"].assisted


def test_ledger_template_is_reused_until_the_districts_change(world, login):
    import io

    from openpyxl import load_workbook

    from programme.models import OrgUnit

    client = login(world.cb_user)
    url = f"/enterprises/ledger/template/{YEAR}.xlsx"
    first = client.get(url).content
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url).content
    assert again == first and len(ctx.captured_queries) < 10
    OrgUnit.objects.filter(code="120113").update(name="北辰新区")
    sheet = load_workbook(io.BytesIO(client.get(url).content))["区县代码"]
    assert ("120113", "北辰新区") in {(r[0].value, r[1].value) for r in sheet.iter_rows(min_row=2)}
