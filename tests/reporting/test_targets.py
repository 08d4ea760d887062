"""The plan's targets: progress and the pace needed on constructed data, the counting rules, the chain-problem
figure and the reference loader of the national targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from enterprises.models import LedgerRecord, TrainingRecord
from portal.models import AuditEvent
from reporting.indicators import Source, compute, compute_period, indicator
from reporting.reference import NATIONAL_TARGETS, load_national_targets
from reporting.targets import services
from reporting.targets.models import ChainProblem, Counting, Target
from reporting.targets.progress import Goal, Status, measure
from tests.factories import CertificationBodyFactory, EnterpriseFactory, district_user, hq_user, province_user, unit

pytestmark = pytest.mark.django_db


def _ledger(cb, enterprise, year, **values):
    return LedgerRecord.objects.create(
        programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 3, 1),
        end_date=dt.date(year, 5, 1), reported_name=enterprise.name, reported_district=enterprise.district,
        reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis", **values)


def _training(cb, district, year):
    return TrainingRecord.objects.create(
        programme_year_id=year, certification_body=cb, district=unit(district), held_on=dt.date(year, 4, 1),
        organiser="o", topic=f"t{TrainingRecord.objects.count()}", delivery="offline", enterprise_count=3,
        person_count=7)


@pytest.fixture
def data():
    """Tianjin: e1 assisted in 2025 and 2026 (counts once over the period), e2 in 2025; Hebei: e3 in 2026."""
    cb1, cb2 = CertificationBodyFactory(), CertificationBodyFactory()
    e1, e2, e3 = (EnterpriseFactory(district_code=c) for c in ("120113", "120114", "130102"))
    _ledger(cb1, e1, 2025, problems_found=4, problems_solved=4)
    _ledger(cb2, e1, 2026, problems_found=4, problems_solved=2)
    _ledger(cb1, e2, 2025)
    _ledger(cb1, e3, 2026)
    _training(cb1, "120113", 2025)
    _training(cb1, "120113", 2025)
    _training(cb1, "120114", 2026)
    return {"e1": e1, "e2": e2, "e3": e3}


def _one(goal, code="120000", today=dt.date(2026, 9, 1)):
    return measure([(goal, unit(code))], today=today)[0]


def test_cumulative_counts_an_enterprise_assisted_in_two_years_once(data):
    p = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(4)))
    assert p.reached == 2 and p.counted_years == (2025, 2026)
    assert p.percent == Decimal("50.0") and p.percent_text == "50.0%"
    assert p.remaining == 2 and p.remaining_years == [2027] and p.per_year == 2
    assert p.pace_text == "2027年需再帮扶约2家"
    # By 1 September 2026, 609 of the period's 1095 days are gone: 4 × 609/1095 = 2.22 are due, 2 are reached.
    assert p.expected == Decimal(4) * Decimal(609) / Decimal(1095)
    assert p.status == Status.BEHIND
    assert p.reached_note == "2025—2026年累计"
    country = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(3)), code="000000")
    assert country.reached == 3 and country.status == Status.REACHED and country.pace_text == "已达到目标"


def test_on_track_when_the_even_pace_is_met(data):
    p = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(4)), today=dt.date(2026, 3, 1))
    assert p.status == Status.ON_TRACK  # 4 × 425/1095 = 1.55 due, 2 reached


def test_the_pace_spreads_what_is_left_over_the_years_not_begun(data):
    p = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(7)), today=dt.date(2025, 6, 1))
    assert p.reached == 2 and p.counted_years == (2025,)
    assert p.remaining_years == [2026, 2027] and p.per_year == 3  # 5 left over two years, rounded up
    assert p.pace_text == "2026—2027年每年需再帮扶约3家"
    big = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(50_000)))
    assert big.pace_text == "2027年需再帮扶约5.0万家"  # the formatter's 万 from 10,000


def test_sums_add_up_over_the_period(data):
    p = _one(Goal("training_sessions", 2025, 2027, Counting.CUMULATIVE, Decimal(30)))
    assert p.reached == 3 and p.pace_text == "2027年需再组织约27场"
    persons = _one(Goal("trained_persons", 2025, 2027, Counting.CUMULATIVE, Decimal(100)))
    assert persons.reached == 21
    # The same figure the catalogue gives for the period.
    assert compute_period(["training_sessions"], units=[unit("120000")], years=[2025, 2026])[
        "training_sessions"]["120000"] == 3


def test_yearly_target_takes_the_latest_year(data):
    p = _one(Goal("training_sessions", 2025, 2027, Counting.YEARLY, Decimal(2)))
    assert p.reached == 1 and p.reached_year == 2026 and p.reached_note == "2026年"
    assert p.status == Status.BEHIND
    assert p.pace_text == "2026年还需组织约1场；此后每年需组织约2场"
    early = _one(Goal("training_sessions", 2025, 2027, Counting.YEARLY, Decimal(1)), today=dt.date(2026, 1, 10))
    assert early.status == Status.REACHED  # 2026 already has its session
    short = _one(Goal("training_sessions", 2025, 2027, Counting.YEARLY, Decimal(2)), today=dt.date(2027, 1, 10))
    assert short.reached_year == 2026 and short.status == Status.BEHIND  # 2026 fell short; 2027 has no data yet


def test_level_target_reads_the_latest_year_and_speaks_in_points(data):
    p = _one(Goal("problems_solved_rate", 2025, 2027, Counting.LEVEL, Decimal(90)))
    assert p.reached == Decimal("50.0") and p.reached_year == 2026  # 2025 was 100%, the latest year counts
    assert p.status == Status.BEHIND and p.expected is None
    assert p.pace_text == "距90.0%还差40.0个百分点"
    kept = _one(Goal("problems_solved_rate", 2025, 2027, Counting.LEVEL, Decimal(90)), today=dt.date(2025, 12, 1))
    assert kept.status == Status.REACHED and kept.pace_text == "已达到90.0%，需继续保持"


def test_periods_not_begun_ended_and_without_data(data):
    later = _one(Goal("assisted_enterprises", 2028, 2030, Counting.CUMULATIVE, Decimal(9)))
    assert later.status == Status.NOT_STARTED and later.reached is None
    assert later.pace_text == "2028—2030年每年需再帮扶约3家"
    ended = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(4)), today=dt.date(2028, 2, 1))
    assert ended.status == Status.MISSED and ended.pace_text == "期间已结束"
    nothing = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, Decimal(4)), code="140000")
    assert nothing.reached is None and nothing.reached_text == "—" and nothing.status == Status.NO_DATA
    assert nothing.pace_text == "2027年需再帮扶约4家"  # all of it is still to do


def test_without_a_target_the_figure_is_measured_only(data):
    p = _one(Goal("assisted_enterprises", 2025, 2027, Counting.CUMULATIVE, None))
    assert p.reached == 2 and p.status == Status.NO_TARGET and p.pace_text == "" and p.percent is None


def _problem(province="120000", year=2025, title="t", solved=None):
    return ChainProblem.objects.create(programme_year_id=year, province=unit(province), industry_chain="光伏",
                                       title=title, measures="m", solved_on=solved or dt.date(year, 6, 1))


def test_chain_problems_are_a_catalogue_figure_per_province_and_year():
    ind = indicator("chain_problems_solved")
    assert ind is not None and ind.source == Source.CHAIN and not ind.applies_to("district")
    _problem("120000", 2025, "a")
    _problem("120000", 2026, "b")
    _problem("130000", 2026, "c")
    t = compute(["chain_problems_solved"], units=[unit("000000"), unit("120000"), unit("140000"), unit("120113")],
                years=[2025, 2026])
    assert t.get("chain_problems_solved", "000000", 2026) == 2
    assert t.get("chain_problems_solved", "120000", 2025) == 1
    assert t.get("chain_problems_solved", "140000", 2026) is None  # nothing recorded: no data
    assert t.get("chain_problems_solved", "120113", 2026) is None  # not a district's figure
    p = measure([(Goal("chain_problems_solved", 2025, 2027, Counting.CUMULATIVE, Decimal(30)), unit("000000"))],
                today=dt.date(2026, 12, 1))[0]
    assert p.reached == 3 and p.pace_text == "2027年需再解决约27个"


def test_a_recorded_problem_shows_at_once_despite_the_cached_figures():
    hq = hq_user()
    goal = Goal("chain_problems_solved", 2025, 2027, Counting.CUMULATIVE, Decimal(30))
    assert measure([(goal, unit("000000"))])[0].reached is None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
        services.chain_problem_save(actor=hq, province=unit("120000"), year=2025, industry_chain="光伏", title="t",
                                    measures="m", solved_on=dt.date(2025, 5, 1))
    assert measure([(goal, unit("000000"))])[0].reached == 1


# --------------------------------------------------------------------------- services


def test_target_save_validates_and_audits():
    tianjin = province_user("120000")
    target = services.target_save(actor=tianjin, indicator="assisted_enterprises", first_year=2025, last_year=2027,
                                  value=Decimal(600), counting=Counting.CUMULATIVE, note=" n ")
    assert target.org_unit.code == "120000" and target.note == "n" and not target.from_plan
    assert AuditEvent.objects.filter(object_type="reporting.target", object_id=str(target.pk)).count() == 1
    with pytest.raises(ValidationError) as exc:
        services.target_save(actor=tianjin, indicator="assisted_enterprises", first_year=2025, last_year=2027,
                             value=Decimal(10), counting=Counting.CUMULATIVE)
    assert "本单位已设定该指标的目标" in str(exc.value)
    for bad, field in (({"value": Decimal(0)}, "value"), ({"indicator": "nope"}, "indicator"),
                       ({"first_year": 2027, "last_year": 2025}, "last_year")):
        args = {"indicator": "training_sessions", "first_year": 2025, "last_year": 2027, "value": Decimal(5),
                "counting": Counting.CUMULATIVE, **bad}
        with pytest.raises(ValidationError) as exc:
            services.target_save(actor=tianjin, **args)
        assert field in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:  # evaluation ranks exist for provinces and districts only
        services.target_save(actor=hq_user(), indicator="evaluation_rank", first_year=2025, last_year=2027,
                             value=Decimal(1), counting=Counting.LEVEL)
    assert "不适用于全国单位" in str(exc.value)


def test_nobody_changes_another_units_target():
    hebei_target = services.target_save(actor=province_user("130000"), indicator="training_sessions",
                                        first_year=2025, last_year=2027, value=Decimal(50),
                                        counting=Counting.CUMULATIVE)
    for actor in (province_user("120000"), hq_user()):
        with pytest.raises(PermissionDenied):
            services.target_save(actor=actor, target=hebei_target, indicator="training_sessions", first_year=2025,
                                 last_year=2027, value=Decimal(1), counting=Counting.CUMULATIVE)
        with pytest.raises(PermissionDenied):
            services.target_delete(actor=actor, target=hebei_target)
    with pytest.raises(PermissionDenied):
        services.target_unit_for(district_user("120113"))


def test_chain_problem_rules():
    tianjin = province_user("120000")
    with pytest.raises(PermissionDenied):
        services.chain_problem_save(actor=tianjin, province=unit("130000"), year=2025, industry_chain="c",
                                    title="t", measures="m", solved_on=dt.date(2025, 5, 1))
    with pytest.raises(PermissionDenied):
        services.chain_problem_save(actor=district_user("120113"), province=unit("120000"), year=2025,
                                    industry_chain="c", title="t", measures="m", solved_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.chain_problem_save(actor=tianjin, province=unit("120000"), year=2025, industry_chain="c",
                                    title="t", measures="m", solved_on=dt.date(2024, 5, 1))
    assert "不在2025年度内" in str(exc.value)
    problem = services.chain_problem_save(actor=tianjin, province=unit("120000"), year=2025, industry_chain="c",
                                          title="t", measures="m", solved_on=dt.date(2025, 5, 1))
    assert problem.recorded_by == tianjin
    with pytest.raises(ValidationError) as exc:
        services.chain_problem_save(actor=tianjin, province=unit("120000"), year=2025, industry_chain="c",
                                    title="t", measures="m2", solved_on=dt.date(2025, 6, 1))
    assert "同名" in str(exc.value)


# --------------------------------------------------------------------------- the reference loader


def test_the_national_targets_are_the_plans():
    national = {t.indicator: t for t in Target.objects.national()}
    assert set(national) == {key for key, *_rest in NATIONAL_TARGETS}
    assert national["assisted_enterprises"].value == 50_000 and national["trained_persons"].value == 3_000_000
    assert national["q_satisfaction"].counting == Counting.LEVEL
    assert national["pilot_regions"].counting == Counting.CUMULATIVE
    assert all(t.first_year == 2025 and t.last_year == 2027 and t.from_plan for t in national.values())
    assert all(indicator(key) is not None for key in national)


def test_the_loader_is_idempotent_and_keeps_what_hq_edited():
    assert load_national_targets() == (0, 0, 0)
    sessions = Target.objects.national().get(indicator="training_sessions")
    services.target_save(actor=hq_user(), target=sessions, indicator="training_sessions", first_year=2025,
                         last_year=2027, value=Decimal(35_000), counting=Counting.YEARLY)
    Target.objects.national().filter(indicator="trained_persons").update(value=1)  # a stale reference row
    Target.objects.national().filter(indicator="chain_problems_solved").delete()
    assert load_national_targets() == (1, 1, 1)
    sessions.refresh_from_db()
    assert sessions.value == 35_000 and sessions.counting == Counting.YEARLY  # HQ's edit is kept
    assert Target.objects.national().get(indicator="trained_persons").value == 3_000_000
    assert Target.objects.national().filter(indicator="chain_problems_solved").exists()
    assert load_national_targets() == (0, 0, 1)
