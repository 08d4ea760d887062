from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments import services
from assessments.models import (
    EvaluationStatus,
    ExcellentCase,
    IndicatorItem,
    IndicatorScheme,
    SelfAssessmentStatus,
    TrainingCourse,
    UnitResult,
)
from assessments.scoring import UnitFigures
from assessments.selectors import training_course_coverage
from programme.models import Deadline, DeadlineKind
from tests.factories import (
    CertificationBodyFactory,
    cb_user,
    district_user,
    expert_user,
    hq_user,
    province_user,
    unit,
)

from .factories import expert_items, give_scores, hq_evaluation, province_evaluation

pytestmark = pytest.mark.django_db


def test_default_scheme_has_annex_text_and_weights_summing_to_100():
    scheme = services.scheme_ensure(actor=hq_user(), year=2024)
    items = list(scheme.items.order_by("order"))
    assert [i.name for i in items] == ["组织发动举措", "宣传举措及影响力", "培训数量和质量", "精准帮扶企业举措",
                                       "帮扶企业提升成效", "帮扶企业满意度"]
    assert sum(i.weight for i in items) == 100
    assert [i.method for i in items] == ["expert"] * 4 + ["questionnaire"] * 2
    assert [i.indicators.count() for i in items] == [7, 6, 6, 10, 6, 1]
    first = items[0].indicators.order_by("number").first()
    assert first.text == "发文统一部署安排提升行动；"
    assert list(items[4].indicators.values_list("result_key", flat=True)) == [
        "operating", "quality", "qm_level", "credit_brand", "digital", "lasting"]


def test_weights_must_sum_to_100_only_hq_and_frozen_once_scoring_starts():
    hq = hq_user()
    scheme = services.scheme_ensure(actor=hq, year=2024)
    with pytest.raises(ValidationError, match="之和应为 100"):
        services.scheme_set_weights(actor=hq, scheme=scheme, weights={"organisation": 25})
    with pytest.raises(PermissionDenied):
        services.scheme_set_weights(actor=province_user(), scheme=scheme, weights={})
    services.scheme_set_weights(actor=hq, scheme=scheme, weights={"organisation": 25, "publicity": 5})
    assert IndicatorItem.objects.get(scheme=scheme, code="organisation").weight == 25

    evaluation = hq_evaluation(actor=hq)
    expert = expert_user()
    assignment = services.expert_assign(actor=hq, evaluation=evaluation, expert=expert, unit=unit("120000"))
    services.expert_score_save(actor=expert, assignment=assignment, item=expert_items(2024)[0], score="88",
                               comment="组织有力")
    assert IndicatorScheme.objects.get(pk=scheme.pk).is_frozen
    with pytest.raises(ValidationError, match="已冻结"):
        services.scheme_set_weights(actor=hq, scheme=scheme, weights={"organisation": 20, "publicity": 10})


def _open_deadline(year: int = 2024, days: int = 10):
    Deadline.objects.filter(programme_year_id=year, kind=DeadlineKind.SELF_ASSESSMENT).update(
        due_at=timezone.now() + dt.timedelta(days=days))


def test_self_assessment_submit_review_and_return():
    _open_deadline()
    user = province_user("120000")
    sa = services.self_assessment_get_or_create(actor=user, year=2024, unit=user.org_unit)
    item = IndicatorItem.objects.get(scheme__programme_year_id=2024, code="organisation")
    services.self_assessment_save(actor=user, self_assessment=sa, figures={"incentive_policies": "12",
                                  "credit_support": "1500.50"}, narratives={item.pk: "印发实施方案"})
    with pytest.raises(ValidationError) as err:
        services.self_assessment_save(actor=user, self_assessment=sa, figures={"papers": "abc"}, narratives={})
    assert "征集论文" in str(err.value)
    sa = services.self_assessment_submit(actor=user, self_assessment=sa)
    assert sa.status == SelfAssessmentStatus.SUBMITTED and not sa.is_late
    with pytest.raises(PermissionDenied):  # a province cannot review itself or a peer
        services.self_assessment_review(actor=province_user("130000"), self_assessment=sa, accept=True)
    hq = hq_user()
    with pytest.raises(ValidationError, match="退回意见"):
        services.self_assessment_review(actor=hq, self_assessment=sa, accept=False, comment=" ")
    sa = services.self_assessment_review(actor=hq, self_assessment=sa, accept=False, comment="请补充培训数据")
    assert sa.status == SelfAssessmentStatus.RETURNED and sa.is_editable
    assert sa.incentive_policies == 12 and sa.credit_support == Decimal("1500.50")


def test_district_self_assessment_is_reviewed_by_its_province_only():
    _open_deadline()
    user = district_user("120113")
    sa = services.self_assessment_get_or_create(actor=user, year=2024, unit=user.org_unit)
    services.self_assessment_submit(actor=user, self_assessment=sa)
    with pytest.raises(PermissionDenied):
        services.self_assessment_review(actor=hq_user(), self_assessment=sa, accept=True)
    sa = services.self_assessment_review(actor=province_user("120000"), self_assessment=sa, accept=True)
    assert sa.status == SelfAssessmentStatus.ACCEPTED


def test_lock_after_deadline_exception_keeps_open_and_marks_late():
    user = district_user("120113")
    Deadline.objects.filter(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT).update(
        due_at=timezone.now() + dt.timedelta(days=1))
    sa = services.self_assessment_get_or_create(actor=user, year=2024, unit=user.org_unit)
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    deadline.due_at = timezone.now() - dt.timedelta(days=1)
    deadline.save()
    with pytest.raises(ValidationError, match="截止并锁定"):
        services.self_assessment_submit(actor=user, self_assessment=sa)
    from programme.services import deadline_exception_grant

    deadline_exception_grant(actor=province_user("120000"), deadline=deadline, org_unit=user.org_unit,
                             open_until=timezone.now() + dt.timedelta(days=3), reason="系统故障补报")
    sa = services.self_assessment_submit(actor=user, self_assessment=sa)
    assert sa.is_late is True


def test_evidence_type_and_size_checked():
    _open_deadline()
    user = district_user("120113")
    sa = services.self_assessment_get_or_create(actor=user, year=2024, unit=user.org_unit)
    ok = services.evidence_upload(actor=user, self_assessment=sa,
                                  upload=SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", "application/pdf"))
    assert ok.content_type == "application/pdf" and ok.original_name == "方案.pdf"
    with pytest.raises(ValidationError, match="不符"):
        services.evidence_upload(actor=user, self_assessment=sa,
                                 upload=SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 exe", "application/pdf"))
    with pytest.raises(ValidationError, match="不受支持"):
        services.evidence_upload(actor=user, self_assessment=sa,
                                 upload=SimpleUploadedFile("x.html", b"<html>", "text/html"))
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024), "application/pdf")
    with pytest.raises(ValidationError, match="20 MB"):
        services.evidence_upload(actor=user, self_assessment=sa, upload=big)
    with pytest.raises(PermissionDenied):
        services.evidence_upload(actor=district_user("120114"), self_assessment=sa,
                                 upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf"))


def test_at_most_five_cases_per_district_per_year():
    user = district_user("120113")
    for n in range(5):
        services.excellent_case_add(actor=user, year=2024, district=user.org_unit, title=f"案例{n}")
    with pytest.raises(ValidationError, match="最多推荐 5 个"):
        services.excellent_case_add(actor=user, year=2024, district=user.org_unit, title="第六个")
    assert ExcellentCase.objects.filter(district=user.org_unit, programme_year_id=2024).count() == 5
    # another year and another district are separate quotas
    services.excellent_case_add(actor=user, year=2023, district=user.org_unit, title="上年案例")
    other = district_user("120114")
    services.excellent_case_add(actor=other, year=2024, district=other.org_unit, title="武清案例")
    with pytest.raises(PermissionDenied):
        services.excellent_case_add(actor=other, year=2024, district=user.org_unit, title="替别人推荐")


def test_training_course_coverage_lists_participating_cbs_without_course():
    from enterprises.models import LedgerRecord
    from tests.factories import EnterpriseFactory

    cb_with, cb_without, cb_elsewhere = (CertificationBodyFactory() for _ in range(3))
    fields = {f.name for f in LedgerRecord._meta.get_fields()}
    extra = {}
    if "start_date" in fields:
        extra = {"start_date": dt.date(2024, 7, 1), "end_date": dt.date(2024, 9, 1), "reported_name": "企业",
                 "reported_district": unit("120113"), "reported_industry": "industry", "dimensions": "quality_mgmt",
                 "modes": "diagnosis"}
    for cb, code in ((cb_with, "120113"), (cb_without, "120114"), (cb_elsewhere, "130102")):
        ent = EnterpriseFactory(district_code=code)
        if "reported_district" in extra:
            extra["reported_district"] = unit(code)
        LedgerRecord.objects.create(programme_year_id=2024, certification_body=cb, enterprise=ent, **extra)
    services.training_course_submit(actor=cb_user(cb_with), year=2024, title="质量管理体系贯标课程")
    with pytest.raises(PermissionDenied):
        services.training_course_submit(actor=district_user(), year=2024, title="x")
    coverage = training_course_coverage(user=province_user("120000"), year=2024, unit=unit("120000"))
    assert {cb.pk for cb in coverage.participating} == {cb_with.pk, cb_without.pk}
    assert [cb.pk for cb in coverage.missing] == [cb_without.pk]
    assert TrainingCourse.objects.count() == 1


def test_expert_conflict_of_interest_and_role_checked():
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    tianjin_expert = expert_user("120113")  # works inside Tianjin
    with pytest.raises(ValidationError, match="回避"):
        services.expert_assign(actor=hq, evaluation=evaluation, expert=tianjin_expert, unit=unit("120000"))
    services.expert_assign(actor=hq, evaluation=evaluation, expert=tianjin_expert, unit=unit("130000"))
    with pytest.raises(ValidationError, match="不是评估专家"):
        services.expert_assign(actor=hq, evaluation=evaluation, expert=province_user(), unit=unit("130000"))
    with pytest.raises(PermissionDenied):
        services.expert_assign(actor=province_user(), evaluation=evaluation, expert=expert_user(), unit=unit("130000"))
    with pytest.raises(ValidationError, match="不在本次评估"):
        services.expert_assign(actor=hq, evaluation=evaluation, expert=expert_user(), unit=unit("120113"))


def test_expert_scores_only_assigned_units_within_scale_with_comment():
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    expert, other = expert_user(), expert_user()
    assignment = services.expert_assign(actor=hq, evaluation=evaluation, expert=expert, unit=unit("120000"))
    item = expert_items(2024)[0]
    with pytest.raises(PermissionDenied):
        services.expert_score_save(actor=other, assignment=assignment, item=item, score=80, comment="x")
    with pytest.raises(ValidationError, match="0 到 100"):
        services.expert_score_save(actor=expert, assignment=assignment, item=item, score=101, comment="x")
    with pytest.raises(ValidationError, match="评语"):
        services.expert_score_save(actor=expert, assignment=assignment, item=item, score=90, comment="")
    q_item = IndicatorItem.objects.get(scheme__programme_year_id=2024, code="results")
    with pytest.raises(ValidationError, match="不是专家评分项目"):
        services.expert_score_save(actor=expert, assignment=assignment, item=q_item, score=90, comment="x")
    score = services.expert_score_save(actor=expert, assignment=assignment, item=item, score="92.5", comment="好")
    assert score.score == Decimal("92.5")


def _figures(monkeypatch, figures):
    monkeypatch.setattr("assessments.services.figures_by_unit", lambda *, year, units: figures)


def test_compute_rank_change_across_two_years(monkeypatch):
    _figures(monkeypatch, {})
    hq = hq_user()
    e2023 = hq_evaluation(year=2023, actor=hq)
    give_scores(e2023, "110000", [90])
    give_scores(e2023, "120000", [80])
    give_scores(e2023, "130000", [70])
    services.evaluation_compute(actor=hq, evaluation=e2023)
    e2024 = hq_evaluation(year=2024, actor=hq)
    give_scores(e2024, "130000", [95])
    give_scores(e2024, "110000", [85])
    give_scores(e2024, "120000", [75])
    services.evaluation_compute(actor=hq, evaluation=e2024)
    results = {r.unit.code: r for r in UnitResult.objects.filter(evaluation=e2024).select_related("unit")}
    assert len(results) == 32
    # expert items weigh 60; questionnaire items (no data) 60% of 40 = 24 for everybody.
    # 河北 95 -> 57 + 24 = 81.00; 北京 85 -> 51 + 24 = 75.00; 天津 75 -> 45 + 24 = 69.00; others 24.00
    assert [results[c].total for c in ("130000", "110000", "120000")] == [Decimal("81.00"), Decimal("75.00"),
                                                                           Decimal("69.00")]
    assert results["650000"].total == Decimal("24.00") and results["650000"].rank == 4
    assert [(results[c].rank, results[c].previous_rank, results[c].rank_change) for c in
            ("130000", "110000", "120000")] == [(1, 3, 2), (2, 1, -1), (3, 2, -1)]
    assert [c for c, r in results.items() if r.most_improved] == ["130000"]
    # the 29 unscored units tie at rank 4 (within the top 10) but are not flagged: no expert scored them
    assert results["130000"].outstanding and not results["650000"].outstanding
    e2024.refresh_from_db()
    assert e2024.status == EvaluationStatus.COMPUTED
    assert IndicatorScheme.objects.get(programme_year_id=2024).is_frozen


def test_compute_uses_questionnaire_figures_and_trimmed_expert_mean(monkeypatch):
    keys = ["operating", "quality", "qm_level", "credit_brand", "digital", "lasting"]
    _figures(monkeypatch, {
        "120000": UnitFigures(result_indicators=dict.fromkeys(keys, 80.0), satisfaction=95.0),
        "130000": UnitFigures(result_indicators=dict.fromkeys(keys, 60.0), satisfaction=85.0),
    })
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    give_scores(evaluation, "120000", [100, 90, 80, 70, 10])  # drop 100 and 10 -> 80 -> 60 x 0.8 = 48
    give_scores(evaluation, "130000", [90, 90])  # -> 90 -> 54
    services.evaluation_compute(actor=hq, evaluation=evaluation)
    tj = UnitResult.objects.get(evaluation=evaluation, unit__code="120000")
    hb = UnitResult.objects.get(evaluation=evaluation, unit__code="130000")
    # 天津: best on every questionnaire figure -> 100 -> 30 + 10; 48 + 40 = 88.00
    # 河北: results 60 (worst of those with data) -> 18, satisfaction 60 -> 6; 54 + 24 = 78.00
    assert (tj.total, tj.expert_subtotal, tj.questionnaire_subtotal) == (Decimal("88.00"), Decimal("48.00"),
                                                                          Decimal("40.00"))
    assert (hb.total, hb.questionnaire_subtotal) == (Decimal("78.00"), Decimal("24.00"))
    assert tj.expert_counts["organisation"] == 5
    assert tj.area_scores == {"1": "16.00", "2": "16.00", "3": "56.00"}


def test_publish_requires_compute_and_locks(monkeypatch):
    _figures(monkeypatch, {})
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    with pytest.raises(ValidationError, match="请先完成评估计算"):
        services.evaluation_publish(actor=hq, evaluation=evaluation)
    services.evaluation_compute(actor=hq, evaluation=evaluation)
    with pytest.raises(PermissionDenied):
        services.evaluation_publish(actor=province_user(), evaluation=evaluation)
    services.evaluation_publish(actor=hq, evaluation=evaluation)
    with pytest.raises(ValidationError, match="已发布"):
        services.evaluation_compute(actor=hq, evaluation=evaluation)


def test_province_evaluates_its_districts(monkeypatch):
    _figures(monkeypatch, {})
    tianjin = province_user("120000")
    evaluation = province_evaluation("120000", actor=tianjin)
    assert evaluation.unit_level == "district" and evaluation.evaluated_units().count() == 16
    give_scores(evaluation, "120113", [88])
    give_scores(evaluation, "120114", [92])
    with pytest.raises(PermissionDenied):
        services.evaluation_compute(actor=province_user("130000"), evaluation=evaluation)
    services.evaluation_compute(actor=tianjin, evaluation=evaluation)
    ranks = dict(UnitResult.objects.filter(evaluation=evaluation).values_list("unit__code", "rank"))
    assert ranks["120114"] == 1 and ranks["120113"] == 2 and len(ranks) == 16
    with pytest.raises(ValidationError):
        services.evaluation_ensure(actor=district_user(), year=2024, evaluator=unit("120113"))
