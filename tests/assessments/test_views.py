from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import EvaluationStatus, IndicatorItem, Report, SelfAssessment
from programme.models import Deadline, DeadlineKind
from reporting.models import Job, JobStatus
from tests.factories import cb_user, district_user, enterprise_user, expert_user, hq_user, province_user

from .factories import expert_items, give_scores, hq_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(monkeypatch):
    monkeypatch.setattr("assessments.services.figures_by_unit", lambda *, year, units: {})
    Deadline.objects.filter(kind=DeadlineKind.SELF_ASSESSMENT).update(due_at=timezone.now() + dt.timedelta(days=5))


def test_hq_runs_evaluation_job_and_downloads_both_files(login, django_capture_on_commit_callbacks):
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    give_scores(evaluation, "120000", [90])
    client = login(hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:evaluation_run", args=[evaluation.pk]))
    job = Job.objects.get(kind="assessments.evaluation_run")
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    assert job.status == JobStatus.DONE, job.error
    files = {r.file_format: r for r in Report.objects.filter(job=job)}
    assert set(files) == {"xlsx", "pdf"}
    status = client.get(reverse("assessments:run_status", args=[job.pk])).content.decode()
    assert "download-xlsx" in status and "download-pdf" in status
    pdf = client.get(reverse("assessments:report_download", args=[files["pdf"].pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    page = client.get(reverse("assessments:evaluation", args=[evaluation.pk]) + f"?job={job.pk}").content.decode()
    assert "天津市" in page and "<svg" in page
    # another HQ-less user cannot see the job's status nor its files
    other = login(province_user("130000"))
    assert other.get(reverse("assessments:run_status", args=[job.pk])).status_code == 404
    assert other.get(reverse("assessments:report_download", args=[files["xlsx"].pk])).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.COMPUTED


def test_self_assessment_page_save_submit_and_errors(login):
    user = district_user("120113")
    client = login(user)
    url = reverse("assessments:self_mine", args=[2024])
    assert client.get(url).status_code == 200
    response = client.post(url, {"summary": "总体", "fig_incentive_policies": "-3", "action": "save"})
    assert response.status_code == 200 and "出台激励政策" in response.content.decode()
    item = IndicatorItem.objects.get(scheme__programme_year_id=2024, code="training")
    response = client.post(url, {"summary": "总体", "fig_incentive_policies": "3", f"narrative_{item.pk}": "培训 12 场",
                                 "action": "submit"})
    assert response.status_code == 302
    sa = SelfAssessment.objects.get(unit=user.org_unit, programme_year_id=2024)
    assert sa.status == "submitted" and sa.incentive_policies == 3
    assert sa.narratives.get(item=item).text == "培训 12 场"
    # the province reviews it; a peer district gets a 404
    assert login(district_user("120114")).get(reverse("assessments:self_detail", args=[sa.pk])).status_code == 404
    tianjin = login(province_user("120000"))
    response = tianjin.post(reverse("assessments:self_detail", args=[sa.pk]), {"decision": "return", "comment": ""})
    assert "退回意见" in response.content.decode()
    tianjin.post(reverse("assessments:self_detail", args=[sa.pk]), {"decision": "accept", "comment": ""})
    sa.refresh_from_db()
    assert sa.status == "accepted"


def test_scheme_page_weights_form(login):
    client = login(hq_user())
    url = reverse("assessments:scheme", args=[2024])
    page = client.get(url).content.decode()
    assert "发文统一部署安排提升行动" in page and "被帮扶小微企业对提升行动的满意度测评" in page
    data = {f"weight_{c}": w for c, w in (("organisation", 30), ("publicity", 10), ("training", 10),
                                          ("measures", 20), ("results", 30), ("satisfaction", 10))}
    data.update({f"scale_{c}": 100 for c in ("organisation", "publicity", "training", "measures")})
    response = client.post(url, data)
    assert "之和应为 100" in response.content.decode()
    data["weight_organisation"] = 20
    assert client.post(url, data).status_code == 302
    assert login(province_user()).post(url, data).status_code == 403


def test_expert_scores_through_the_form(login):
    hq = hq_user()
    evaluation = hq_evaluation(actor=hq)
    expert = expert_user()
    from assessments.services import expert_assign

    assignment = expert_assign(actor=hq, evaluation=evaluation, expert=expert, unit=province_user().org_unit)
    client = login(expert)
    items = expert_items(2024)
    data = {}
    for item in items:
        data[f"score_{item.pk}"] = "85"
        data[f"comment_{item.pk}"] = "工作扎实"
    assert client.post(reverse("assessments:expert_score", args=[assignment.pk]), data).status_code == 302
    assert assignment.scores.count() == 4
    dashboard = client.get("/").content.decode()
    assert "天津市" in dashboard


def test_cases_and_courses_pages(login):
    district = login(district_user("120113"))
    for n in range(6):
        response = district.post(reverse("assessments:cases", args=[2024]), {"title": f"案例{n}"})
    assert "最多推荐 5 个" in response.content.decode()
    cb = login(cb_user())
    assert cb.post(reverse("assessments:courses", args=[2024]), {"title": "课程"}).status_code == 302
    assert cb.get(reverse("assessments:cases", args=[2024])).status_code == 404
    assert cb.get(reverse("assessments:index")).status_code == 404
    assert login(enterprise_user()).get(reverse("assessments:courses", args=[2024])).status_code == 404


def test_cases_page_lists_districts_without_a_case(login):
    from assessments.models import ExcellentCase
    from tests.factories import unit

    beichen_user = district_user("120113")
    ExcellentCase.objects.create(programme_year_id=2024, district=unit("120113"), slot=1, title="北辰案例",
                                 created_by=beichen_user)
    tianjin = login(province_user("120000")).get(reverse("assessments:cases", args=[2024]))
    assert tianjin.context["missing_count"] == 15  # Tianjin's 16 districts, 北辰 has recommended one
    names = [d.code for d in tianjin.context["missing"]]
    assert "120113" not in names and "120114" in names and all(code.startswith("12") for code in names)
    assert "尚未推荐案例" in tianjin.content.decode()
    beichen = login(beichen_user).get(reverse("assessments:cases", args=[2024]))
    assert beichen.context["missing_count"] == 0 and 'data-testid="cases-missing"' not in beichen.content.decode()
    wuqing = login(district_user("120114")).get(reverse("assessments:cases", args=[2024]))
    assert [d.code for d in wuqing.context["missing"]] == ["120114"]
    hebei = login(province_user("130000")).get(reverse("assessments:cases", args=[2024]))
    assert all(d.code.startswith("13") for d in hebei.context["missing"])


def test_the_province_recommends_its_districts_cases_to_hq(login):
    from assessments.models import ExcellentCase
    from portal.models import AuditEvent
    from tests.factories import unit

    author = district_user("120113")
    case = ExcellentCase.objects.create(programme_year_id=2024, district=unit("120113"), slot=1, title="北辰案例",
                                        created_by=author)
    url = reverse("assessments:case_recommend", args=[case.pk])
    # Another province cannot even see it; the district itself and HQ may not recommend.
    assert login(province_user("130000")).post(url, {"recommend": "1"}).status_code == 404
    login(author).post(url, {"recommend": "1"})
    login(hq_user()).post(url, {"recommend": "1"})
    case.refresh_from_db()
    assert case.recommended_at is None
    tianjin_user = province_user("120000")
    tianjin = login(tianjin_user)
    assert tianjin.post(url, {"recommend": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.recommended_at is not None and case.recommended_by == tianjin_user
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="update").count() == 1
    hq = login(hq_user())
    listed = hq.get(reverse("assessments:cases", args=[2024]), {"recommended": "1"})
    assert [c.title for c in listed.context["cases"]] == ["北辰案例"]
    login(tianjin_user).post(url, {"recommend": "0"})
    case.refresh_from_db()
    assert case.recommended_at is None
    assert list(login(hq_user()).get(reverse("assessments:cases", args=[2024]), {"recommended": "1"})
                .context["cases"]) == []
