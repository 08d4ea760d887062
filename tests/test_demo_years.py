"""The demo data set: programme years 2020 to the current year, each with ledger, training, questionnaire and
self-assessment data growing over the years and differing between units; past years closed, the current year's
calendar laid around the day of seeding with open work for every role; every printed login works."""

from __future__ import annotations

import datetime as dt
import io
import os
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from assessments.models import (
    Evaluation,
    EvaluationStatus,
    ExpertAssignment,
    SelfAssessment,
    SelfAssessmentStatus,
)
from assessments.seed import NATIONAL_2023
from enterprises.models import LedgerRecord, TrainingRecord
from enterprises.questionnaire.models import QuestionnaireVersion, Response, ResponseStatus
from enterprises.questionnaire.pilot_comparison import pilot_comparison
from enterprises.questionnaire.selectors import national_aggregates
from portal.models import User
from portal.seeding import DEMO_PASSWORD
from programme.models import CertificationBody, Deadline, DeadlineKind, OrgUnit, PilotFiling, PilotFilingStatus
from programme.services import deadline_state

FIRST_YEAR = 2020


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, seeded once for the module (its printed output kept) and rolled back after it."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--scale", "demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _years() -> list[int]:
    return list(range(FIRST_YEAR, timezone.localdate().year + 1))


def _per_year(queryset, **aggregate):
    return {row["programme_year_id"]: row for row in
            queryset.values("programme_year_id").annotate(**aggregate).order_by("programme_year_id")}


def test_every_year_since_2020_holds_ledger_training_questionnaire_and_self_assessments(demo, db):
    years = _years()
    assert years[-1] == timezone.localdate().year  # the current year comes from the date
    ledger = _per_year(LedgerRecord.objects.all(), n=Count("id"), firms=Count("enterprise", distinct=True))
    training = _per_year(TrainingRecord.objects.all(), n=Count("id"), persons=Sum("person_count"))
    answers = _per_year(Response.objects.filter(status=ResponseStatus.SUBMITTED), n=Count("id"))
    assessments = _per_year(SelfAssessment.objects.all(), n=Count("id"))
    for year in years:
        assert ledger.get(year, {}).get("n", 0) > 50, year
        assert training.get(year, {}).get("n", 0) > 10, year
        assert answers.get(year, {}).get("n", 0) > 50, year
        assert assessments.get(year, {}).get("n", 0) > 20, year
        assert QuestionnaireVersion.objects.filter(programme_year_id=year).exists(), year
    # The programme grows from 2020 (the current year is still being reported).
    firms = [ledger[y]["firms"] for y in years]
    assert firms[0] < firms[1] < firms[2] < firms[3] < firms[4]
    assert training[2020]["persons"] < training[2024]["persons"]


def test_units_differ_and_some_lag(demo, db):
    def assisted(code: str, year: int) -> int:
        return (LedgerRecord.objects.filter(programme_year_id=year, enterprise__district__path__contains=f"/{code}/")
                .values("enterprise").distinct().count())

    # Every provincial unit takes part by 2023; 西藏 and 兵团 joined late.
    provinces = OrgUnit.objects.filter(level="province", is_active=True)
    assert all(assisted(p.code, 2023) > 0 for p in provinces)
    assert assisted("540000", 2020) == 0 and assisted("660000", 2021) == 0
    # 天津's districts do not all move alike: 宁河 joined in 2022.
    assert assisted("120117", 2021) == 0 and assisted("120117", 2023) > 0
    shares = {p.code: assisted(p.code, 2024) for p in provinces}
    assert len(set(shares.values())) > 5


def test_2023_national_figures_are_seed_000s(demo, db):
    provinces = SelfAssessment.objects.filter(programme_year_id=2023, unit__level="province",
                                              status=SelfAssessmentStatus.ACCEPTED)
    sums = provinces.aggregate(**{name: Sum(name) for name in NATIONAL_2023})
    assert {name: int(value) for name, value in sums.items()} == NATIONAL_2023
    # The questionnaire answers give seed 000's averages (one decimal, as the seed writes them).
    q = national_aggregates(year=2023)
    changes = {key: round(value, 1) for key, value in q.metric_changes.items() if value is not None}
    assert (changes["revenue"], changes["sales"], changes["profit_margin"], changes["quality_cost"]) == (
        10.2, 10.9, 8.3, -6.0)
    assert (changes["first_pass_yield"], changes["customer_satisfaction"]) == (5.0, 8.0)
    assert round(q.effect_obvious_rate, 1) == 90.0 and round(q.effect_very_obvious_rate, 1) == 51.8
    assert round(q.satisfaction_rates["training"], 1) == 96.4
    assert round(q.satisfaction_rates["cb_ability"], 1) == round(q.satisfaction_rates["cb_attitude"], 1) == 97.0
    # The pilots' enterprises: 63.0 % saw a very obvious effect, 11.2 points above the nation (seed 000).
    comparison = pilot_comparison(user=User.objects.get(username="hq"), year=2023)
    assert len(comparison.per_pilot) == 9
    assert round(comparison.pilots.effect_very_obvious_rate, 1) == 63.0
    assert round(comparison.effect_gap, 1) == 11.2
    # 2022: 97 % saw an obvious effect (seed 000: 2023 was 7 points lower) and 574 policies (1,108 = +93 %).
    assert round(national_aggregates(year=2022).effect_obvious_rate, 1) == 97.0
    assert SelfAssessment.objects.filter(programme_year_id=2022, unit__level="province").aggregate(
        n=Sum("incentive_policies"))["n"] == 574
    # 2024 (seed 004): revenue +9.7 %, profit margin +8.0 %, quality cost −5.8 %, 1,636 policies.
    q24 = national_aggregates(year=2024).metric_changes
    assert (round(q24["revenue"], 1), round(q24["profit_margin"], 1), round(q24["quality_cost"], 1)) == (
        9.7, 8.0, -5.8)
    assert SelfAssessment.objects.filter(programme_year_id=2024, unit__level="province").aggregate(
        n=Sum("incentive_policies"))["n"] == 1636


def test_past_years_are_closed(demo, db):
    current = timezone.localdate().year
    now = timezone.now()
    for year in range(FIRST_YEAR, current):
        assert Deadline.objects.filter(programme_year_id=year, due_at__gt=now).count() == 0, year
        assert not Response.objects.filter(programme_year_id=year, status=ResponseStatus.DRAFT).exists(), year
        assert set(SelfAssessment.objects.filter(programme_year_id=year).values_list("status", flat=True)) == {
            SelfAssessmentStatus.ACCEPTED}, year
        statuses = set(Evaluation.objects.filter(programme_year_id=year).values_list("status", flat=True))
        assert statuses == {EvaluationStatus.PUBLISHED}, year
        assert not PilotFiling.objects.filter(programme_year_id=year).exclude(
            status=PilotFilingStatus.ACCEPTED).exists(), year
    assert Evaluation.objects.filter(programme_year_id=current).exclude(status=EvaluationStatus.OPEN).count() == 0


def test_the_current_year_has_open_work_for_every_role(demo, db):
    today = timezone.localdate()
    year = today.year
    due = {d.kind: timezone.localtime(d.due_at).date() for d in Deadline.objects.filter(programme_year_id=year)}
    for kind in DeadlineKind.values:
        assert today < due[kind] <= today + dt.timedelta(days=40), kind
    assert today + dt.timedelta(days=7) <= due[DeadlineKind.SELF_ASSESSMENT] <= today + dt.timedelta(days=35)
    # CBs: the ledger and training uploads are open, and the demo CB holds records of the year.
    cb = User.objects.get(username="cb").certification_body
    assert isinstance(cb, CertificationBody)
    for kind in (DeadlineKind.LEDGER, DeadlineKind.TRAINING):
        assert deadline_state(year=year, kind=kind, certification_body=cb).is_open
    assert LedgerRecord.objects.filter(programme_year_id=year, certification_body=cb).exists()
    # Enterprises: the questionnaire is open; the demo enterprise is assisted and has not answered yet.
    enterprise = User.objects.get(username="enterprise").enterprise
    assert QuestionnaireVersion.objects.get(programme_year_id=year).is_open
    assert deadline_state(year=year, kind=DeadlineKind.QUESTIONNAIRE, org_unit=enterprise.district).is_open
    assert LedgerRecord.objects.filter(programme_year_id=year, enterprise=enterprise).exists()
    assert not Response.objects.filter(programme_year_id=year, enterprise=enterprise).exists()
    assert Response.objects.filter(programme_year_id=year, status=ResponseStatus.DRAFT).exists()
    assert not Response.objects.filter(programme_year_id=year, submitted_at__gt=timezone.now()).exists()
    # Districts and provinces: self-assessments under way (drafts, submissions awaiting review).
    own = {u: SelfAssessment.objects.filter(programme_year_id=year, unit=User.objects.get(username=u).org_unit)
           .values_list("status", flat=True).first() for u in ("tianjin", "hebei", "beichen", "binhai", "wuqing")}
    assert own == {"tianjin": SelfAssessmentStatus.DRAFT, "hebei": SelfAssessmentStatus.SUBMITTED,
                   "beichen": SelfAssessmentStatus.DRAFT, "binhai": SelfAssessmentStatus.SUBMITTED, "wuqing": None}
    # Experts: the demo expert has provinces of the current year to score and has scored none yet.
    assignments = ExpertAssignment.objects.filter(expert__username="expert", evaluation__programme_year_id=year)
    assert assignments.count() == 4 and not assignments.filter(scores__isnull=False).exists()
    # Pilot reports of the current year are in progress.
    assert PilotFiling.objects.filter(programme_year_id=year).exclude(status=PilotFilingStatus.ACCEPTED).exists()
    # Nothing of the current year happened after today.
    assert not LedgerRecord.objects.filter(programme_year_id=year, start_date__gt=today).exists()
    assert not TrainingRecord.objects.filter(programme_year_id=year, held_on__gt=today).exists()


def test_every_printed_login_works(demo, db):
    header = re.search(r"^Demo logins \(password for every account: (\S+)\)$", demo, re.MULTILINE)
    assert header and header.group(1) == DEMO_PASSWORD
    lines = demo[header.end():].strip().splitlines()
    usernames = [line.split()[1] for line in lines]
    assert {"hq", "tianjin", "hebei", "beichen", "wuqing", "expert", "cb", "cb2", "enterprise", "binhai",
            "xiqing"} <= set(usernames)
    for username in usernames:
        user = User.objects.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD), username


def test_seeding_again_changes_nothing(demo, db):
    counts = (LedgerRecord.objects.count(), TrainingRecord.objects.count(), Response.objects.count(),
              SelfAssessment.objects.count())
    call_command("seed_demo", "--scale", "demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (LedgerRecord.objects.count(), TrainingRecord.objects.count(), Response.objects.count(),
            SelfAssessment.objects.count()) == counts
