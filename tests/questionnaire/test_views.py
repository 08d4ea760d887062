"""Every questionnaire page and endpoint: the owner sees its data, another tenant gets 404/403."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.questionnaire import services
from enterprises.questionnaire.models import ActivationCode, Reminder
from programme.models import Deadline, DeadlineKind
from reporting.models import Job
from tests.factories import EnterpriseFactory, cb_user, district_user, enterprise_user, hq_user, province_user

from .factories import YEAR, assist, full_answers, response, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=5))
    version(YEAR)
    beichen = EnterpriseFactory(district_code="120113", name="北辰甲公司")
    wuqing = EnterpriseFactory(district_code="120114", name="武清乙公司")
    for e in (beichen, wuqing):
        assist(e)
    return {
        "beichen": beichen, "wuqing": wuqing,
        "r_beichen": response(beichen, sat_training=5, effect=4),
        "r_wuqing": response(wuqing, sat_training=1, effect=1),
    }


def test_enterprise_fill_page_shows_only_itself(world, login):
    other = EnterpriseFactory(district_code="120113", name="北辰丙公司")
    assist(other)
    user = enterprise_user(other)
    client = login(user)
    page = client.get(reverse("questionnaire:fill", args=[YEAR]))
    assert page.status_code == 200
    assert "北辰丙公司" in page.content.decode() and "北辰甲公司" not in page.content.decode()
    saved = client.post(reverse("questionnaire:fill", args=[YEAR]),
                        {"revenue__before": "100", "revenue__after": "110", "save": "1"})
    assert saved.status_code == 302
    assert other.questionnaire_responses.get().answers["revenue"] == {"before": "100", "after": "110"}
    assert world["beichen"].questionnaire_responses.get().answers == {}


def test_fill_page_reports_bad_input_per_field(world, login):
    client = login(enterprise_user(EnterpriseFactory()))
    page = client.post(reverse("questionnaire:fill", args=[YEAR]),
                       {"first_pass_yield__before": "abc", "defect_rate__after": "150", "save": "1"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "输入一个数字" in text
    assert "不能大于 100%" in text


@pytest.mark.parametrize("make_user", [lambda: district_user("120113"), cb_user])
def test_staff_and_cbs_cannot_fill(world, login, make_user):
    assert login(make_user()).get(reverse("questionnaire:fill", args=[YEAR])).status_code == 403


def test_progress_lists_only_the_district(world, login):
    page = login(district_user("120114")).get(reverse("questionnaire:progress", args=[YEAR]))
    text = page.content.decode()
    assert "武清乙公司" in text and "北辰甲公司" not in text
    province = login(province_user("120000")).get(reverse("questionnaire:progress", args=[YEAR])).content.decode()
    assert "武清乙公司" in province and "北辰甲公司" in province


@pytest.mark.parametrize("make_user", [cb_user, enterprise_user])
def test_progress_aggregates_export_are_for_staff(world, login, make_user):
    client = login(make_user())
    assert client.get(reverse("questionnaire:progress", args=[YEAR])).status_code == 403
    assert client.get(reverse("questionnaire:aggregates", args=[YEAR])).status_code == 403
    assert client.post(reverse("questionnaire:export", args=[YEAR])).status_code == 403
    assert client.post(reverse("questionnaire:remind", args=[YEAR]), {"enterprise": [1]}).status_code == 403


def test_response_detail_and_reopen_are_scoped(world, login):
    url = reverse("questionnaire:response_detail", args=[world["r_beichen"].pk])
    assert login(district_user("120114")).get(url).status_code == 404
    assert login(district_user("120114")).post(url, {"reason": "x", "days": 3}).status_code == 404
    assert login(enterprise_user(world["beichen"])).get(url).status_code == 403
    client = login(district_user("120113"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "企业申请更正", "days": 3}).status_code == 302
    world["r_beichen"].refresh_from_db()
    assert world["r_beichen"].status == "draft" and world["r_beichen"].reopened_until


def test_aggregates_page_for_own_unit_children_and_not_others(world, login):
    client = login(district_user("120113"))
    page = client.get(reverse("questionnaire:aggregates", args=[YEAR]))
    assert page.status_code == 200
    assert page.context["figures"].submitted == 1
    assert "逐企业变化的平均值" in page.content.decode()
    assert client.get(reverse("questionnaire:aggregates", args=[YEAR]) + "?unit=120114").status_code == 404
    province = login(province_user("120000")).get(reverse("questionnaire:aggregates", args=[YEAR]) + "?unit=120114")
    assert province.status_code == 200 and province.context["figures"].satisfaction_rates["training"] == 0.0
    hq = login(hq_user()).get(reverse("questionnaire:aggregates", args=[YEAR]))
    assert len(hq.context["table"]) == 32


def test_remind_skips_other_districts(world, login):
    world["r_beichen"].delete()
    login(district_user("120114")).post(reverse("questionnaire:remind", args=[YEAR]),
                                        {"enterprise": [world["beichen"].pk]})
    assert not Reminder.objects.exists()
    login(district_user("120113")).post(reverse("questionnaire:remind", args=[YEAR]), {"scope": "all"})
    assert list(Reminder.objects.values_list("enterprise_id", flat=True)) == [world["beichen"].pk]


def test_codes_page_and_download_are_scoped(world, login):
    client = login(district_user("120114"))
    assert "北辰甲公司" not in client.get(reverse("questionnaire:codes")).content.decode()
    client.post(reverse("questionnaire:codes"), {"enterprise": [world["beichen"].pk], "scope": "selected"})
    assert not ActivationCode.objects.exists()
    download = client.post(reverse("questionnaire:codes"), {"scope": "all", "valid_days": "10"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [world["wuqing"].uscc]
    assert login(enterprise_user()).get(reverse("questionnaire:codes")).status_code == 403


def test_cb_issues_codes_only_for_its_ledger_enterprises(world, login):
    user = cb_user()
    assist(world["beichen"], cb=user.certification_body)
    client = login(user)
    text = client.get(reverse("questionnaire:codes")).content.decode()
    assert "北辰甲公司" in text and "武清乙公司" not in text


def test_activation_page_logs_in_and_throttles(world, client):
    cache.clear()
    e = EnterpriseFactory()
    [(_e, code, _x)] = services.activation_codes_issue(actor=district_user("120113"), enterprise_ids=[e.pk])
    url = reverse("questionnaire:activate")
    bad = {"uscc": e.uscc, "code": "XXXX-XXXX-XXXX", "password1": "Good-Password-9", "password2": "Good-Password-9"}
    for _ in range(services.THROTTLE_PER_USCC_IP):
        assert "激活码不正确" in client.post(url, bad).content.decode()
    assert client.post(url, {**bad, "code": code}).status_code == 429
    cache.clear()
    done = client.post(url, {**bad, "code": code})
    assert done.status_code == 302
    assert client.get(reverse("questionnaire:fill", args=[YEAR])).status_code == 200


def test_export_job_contains_only_scope_and_is_injection_safe(world, login, django_capture_on_commit_callbacks):
    world["r_beichen"].answers = full_answers(suggestions="=HYPERLINK(\"http://x\")")
    world["r_beichen"].save()
    client = login(district_user("120113"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("questionnaire:export", args=[YEAR])).status_code == 302
    job = Job.objects.get(kind="questionnaire_export")
    assert job.status == "done", job.error
    sheet = load_workbook(job.output.path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [world["beichen"].uscc]
    # As typed, in a string cell: never a formula.
    cell = next(c for c in sheet[2] if c.value == "=HYPERLINK(\"http://x\")")
    assert cell.data_type == "s"
    assert login(district_user("120114")).get(reverse("reporting:job_download", args=[job.pk])).status_code == 404


def test_api_responses_are_scoped(world, login):
    url = reverse("api-questionnaire-response-list")
    mine = login(enterprise_user(world["wuqing"])).get(url).json()
    assert [r["uscc"] for r in mine["results"]] == [world["wuqing"].uscc]
    district = login(district_user("120113")).get(url, {"year": YEAR}).json()
    assert [r["uscc"] for r in district["results"]] == [world["beichen"].uscc]
    detail = reverse("api-questionnaire-response-detail", args=[world["r_wuqing"].pk])
    assert login(district_user("120113")).get(detail).status_code == 404
    assert login(cb_user()).get(url).json()["results"] == []


def test_api_aggregates_are_scoped(world, login):
    url = reverse("api-questionnaire-aggregates")
    own = login(district_user("120113")).get(url, {"year": YEAR}).json()
    assert (own["unit"], own["submitted"], own["effect_obvious_rate"]) == ("120113", 1, 100.0)
    assert login(district_user("120113")).get(url, {"year": YEAR, "unit": "120114"}).status_code == 404
    assert login(enterprise_user()).get(url, {"year": YEAR}).status_code == 403
    nation = login(hq_user()).get(url, {"year": YEAR}).json()
    assert (nation["assisted"], nation["submitted"], nation["response_rate"]) == (2, 2, 100.0)


def test_dashboard_panels(world, login):
    from enterprises.questionnaire.selectors import latest_version

    latest = latest_version().year
    assert 'data-testid="questionnaire-panel"' in login(district_user("120113")).get("/").content.decode()
    Deadline.objects.filter(programme_year_id=latest, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=5))
    assert "填写问卷" in login(enterprise_user(EnterpriseFactory())).get("/").content.decode()
    Deadline.objects.filter(programme_year_id=latest, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() - dt.timedelta(days=1))
    assert "截止" in login(enterprise_user(EnterpriseFactory())).get("/").content.decode()


def test_admin_edits_questions_until_first_answer(login):
    v = version(2025)
    client = login(hq_user(is_superuser=False))
    url = reverse("admin:questionnaire_questionnaireversion_change", args=[v.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is True
    response(EnterpriseFactory(), 2025)
    locked = client.get(url)
    assert locked.context["has_change_permission"] is False
    assert "题目已锁定" in locked.content.decode()
    assert login(district_user("120113")).get(url).context["has_change_permission"] is False
