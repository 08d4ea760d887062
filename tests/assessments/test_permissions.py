"""Who sees what: experts only their assigned units; units no peer's scores; nothing before publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.handlers import build_score_reports
from assessments.models import Evaluation, ExpertAssignment, SelfAssessment, UnitResult
from programme.models import Deadline, DeadlineKind
from tests.factories import district_user, expert_user, hq_user, province_user, unit

from .factories import expert_items, give_scores, hq_evaluation, province_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_questionnaire(monkeypatch):
    monkeypatch.setattr("assessments.services.figures_by_unit", lambda *, year, units: {})
    Deadline.objects.filter(kind=DeadlineKind.SELF_ASSESSMENT).update(due_at=timezone.now() + dt.timedelta(days=5))


def _submitted(user) -> SelfAssessment:
    sa = services.self_assessment_get_or_create(actor=user, year=2024, unit=user.org_unit)
    services.evidence_upload(actor=user, self_assessment=sa,
                             upload=SimpleUploadedFile("证明.pdf", b"%PDF-1.4 x", "application/pdf"))
    return services.self_assessment_submit(actor=user, self_assessment=sa)


def test_expert_sees_only_assigned_units(login):
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    mine, theirs = expert_user(), expert_user()
    a_mine = services.expert_assign(actor=hq, evaluation=evaluation, expert=mine, unit=unit("120000"))
    a_theirs = services.expert_assign(actor=hq, evaluation=evaluation, expert=theirs, unit=unit("130000"))
    tj_sa = _submitted(province_user("120000"))
    hb_sa = _submitted(province_user("130000"))

    assert list(ExpertAssignment.objects.visible_to(mine)) == [a_mine]
    assert list(SelfAssessment.objects.visible_to(mine)) == [tj_sa]
    assert list(Evaluation.objects.visible_to(mine)) == [evaluation]
    assert not UnitResult.objects.visible_to(mine).exists()

    client = login(mine)
    assert client.get(reverse("assessments:expert_score", args=[a_mine.pk])).status_code == 200
    assert client.get(reverse("assessments:expert_score", args=[a_theirs.pk])).status_code == 404
    assert client.get(reverse("assessments:self_detail", args=[tj_sa.pk])).status_code == 200
    assert client.get(reverse("assessments:self_detail", args=[hb_sa.pk])).status_code == 404
    assert client.get(reverse("assessments:evidence_download", args=[tj_sa.evidence.get().pk])).status_code == 200
    assert client.get(reverse("assessments:evidence_download", args=[hb_sa.evidence.get().pk])).status_code == 404
    page = client.get(reverse("assessments:expert_home")).content.decode()
    assert "天津市" in page and "河北省" not in page
    api = client.get("/api/expert-assignments/").json()
    assert [row["unit_code"] for row in api["results"]] == ["120000"]
    # posting scores for someone else's assignment is refused too
    item = expert_items(2024)[0]
    response = client.post(reverse("assessments:expert_score", args=[a_theirs.pk]),
                           {f"score_{item.pk}": "99", f"comment_{item.pk}": "x"})
    assert response.status_code == 404


def test_provinces_see_no_scores_before_publication_and_only_their_own_after(login):
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    give_scores(evaluation, "120000", [90])
    give_scores(evaluation, "130000", [80])
    services.evaluation_compute(actor=hq, evaluation=evaluation)
    tianjin = province_user("120000")
    assert not UnitResult.objects.visible_to(tianjin).exists()
    assert not Evaluation.objects.visible_to(tianjin).exists()
    client = login(tianjin)
    assert client.get(reverse("assessments:evaluation", args=[evaluation.pk])).status_code == 404
    assert client.get("/api/evaluation-results/").json()["count"] == 0
    reports = build_score_reports(evaluation=evaluation)
    assert client.get(reverse("assessments:report_download", args=[reports[0].pk])).status_code == 404

    services.evaluation_publish(actor=hq, evaluation=evaluation)
    visible = list(UnitResult.objects.visible_to(tianjin).values_list("unit__code", flat=True))
    assert visible == ["120000"]
    page = client.get(reverse("assessments:evaluation", args=[evaluation.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "天津市" in body and "河北省" not in body
    assert [r["unit_code"] for r in client.get("/api/evaluation-results/").json()["results"]] == ["120000"]
    # the national report files stay with HQ
    assert client.get(reverse("assessments:report_download", args=[reports[1].pk])).status_code == 404
    # a district of Tianjin sees nothing of the national evaluation
    assert not UnitResult.objects.visible_to(district_user("120113")).exists()


def test_districts_see_no_other_district(login):
    tianjin = province_user("120000")
    evaluation = province_evaluation("120000", actor=tianjin)
    give_scores(evaluation, "120113", [88])
    give_scores(evaluation, "120114", [92])
    services.evaluation_compute(actor=tianjin, evaluation=evaluation)
    beichen, wuqing = district_user("120113"), district_user("120114")
    wuqing_sa = _submitted(wuqing)
    assert not UnitResult.objects.visible_to(beichen).exists()
    services.evaluation_publish(actor=tianjin, evaluation=evaluation)
    assert list(UnitResult.objects.visible_to(beichen).values_list("unit__code", flat=True)) == ["120113"]
    # the province sees all of its districts; Hebei sees none of it
    assert UnitResult.objects.visible_to(tianjin).count() == 16
    assert not UnitResult.objects.visible_to(province_user("130000")).exists()
    client = login(beichen)
    assert client.get(reverse("assessments:self_detail", args=[wuqing_sa.pk])).status_code == 404
    assert client.get(reverse("assessments:evidence_download",
                              args=[wuqing_sa.evidence.get().pk])).status_code == 404
    body = client.get(reverse("assessments:evaluation", args=[evaluation.pk])).content.decode()
    assert "北辰区" in body and "武清区" not in body
    hebei_client = login(province_user("130000"))
    assert hebei_client.get(reverse("assessments:evaluation", args=[evaluation.pk])).status_code == 404
    assert hebei_client.get(reverse("assessments:self_detail", args=[wuqing_sa.pk])).status_code == 404


def test_parent_sees_submitted_not_draft_self_assessments():
    beichen = district_user("120113")
    draft = services.self_assessment_get_or_create(actor=beichen, year=2024, unit=beichen.org_unit)
    tianjin = province_user("120000")
    assert not SelfAssessment.objects.visible_to(tianjin).filter(pk=draft.pk).exists()
    services.self_assessment_submit(actor=beichen, self_assessment=draft)
    assert SelfAssessment.objects.visible_to(tianjin).filter(pk=draft.pk).exists()
    assert not SelfAssessment.objects.visible_to(province_user("130000")).filter(pk=draft.pk).exists()


def test_management_actions_are_for_the_evaluator_only(login):
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    tianjin_eval = province_evaluation("120000")
    hebei = login(province_user("130000"))
    for name in ("evaluation_run", "evaluation_publish", "expert_assign"):
        assert hebei.post(reverse(f"assessments:{name}", args=[tianjin_eval.pk])).status_code == 404
        assert hebei.post(reverse(f"assessments:{name}", args=[evaluation.pk])).status_code == 404
    expert_client = login(expert_user())
    assert expert_client.post(reverse("assessments:evaluation_run", args=[evaluation.pk])).status_code == 404
    assert expert_client.get(reverse("assessments:index")).status_code == 302


def test_expert_cannot_score_own_unit_even_if_assigned_directly():
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    insider = expert_user("120000")
    assignment = ExpertAssignment.objects.create(evaluation=evaluation, expert=insider, unit=unit("120000"))
    with pytest.raises(Exception, match="回避"):
        services.expert_score_save(actor=insider, assignment=assignment, item=expert_items(2024)[0], score=90,
                                   comment="x")
