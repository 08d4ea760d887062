"""Who sees and edits a pilot: its districts and province (and HQ); a district outside the pilot and another
province get 404 on every screen, file and API endpoint."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programme.models import PilotFiling, PilotFilingStatus, PilotStatistics
from programme.services import pilot_attachment_add
from tests.factories import cb_user, district_user, enterprise_user, hq_user, province_user

from .factories import YEAR, make_filing, make_pilot, open_deadline, valid_statistics

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup():
    open_deadline()
    pilot = make_pilot("电动自行车", ("120113", "120114"))
    filing = make_filing(pilot, status=PilotFilingStatus.SUBMITTED)
    filing.status = PilotFilingStatus.DRAFT
    filing.save()
    attachment = pilot_attachment_add(actor=district_user("120113"), filing=filing, section="measures",
                                      upload=SimpleUploadedFile("方案.pdf", PDF))
    return pilot, filing, attachment


def _post_data(**stats):
    data = {f"a3-{k}": v for k, v in valid_statistics(**stats).items()}
    data.update({"a2-measures": "举措", "action": "save"})
    return data


OUTSIDERS = [
    ("other district of the same province", lambda: district_user("120111")),
    ("another province", lambda: province_user("130000")),
    ("a district of another province", lambda: district_user("130102")),
    ("a certification body", cb_user),
    ("an enterprise", enterprise_user),
]


@pytest.mark.parametrize(("who", "make_user"), OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
def test_outsiders_get_404_everywhere(setup, login, who, make_user):
    pilot, filing, attachment = setup
    client = login(make_user())
    filing_url = reverse("programme:pilot_filing", args=[pilot.pk, YEAR])
    assert client.get(filing_url).status_code == 404
    assert client.post(filing_url, _post_data(talents_trained=1)).status_code == 404
    assert client.post(reverse("programme:pilot_review", args=[pilot.pk, YEAR]),
                       {"decision": "accept"}).status_code == 404
    upload = SimpleUploadedFile("x.pdf", PDF)
    assert client.post(reverse("programme:pilot_attachment_upload", args=[pilot.pk, YEAR]),
                       {"section": "measures", "file": upload}).status_code == 404
    assert client.get(reverse("programme:pilot_attachment", args=[attachment.pk])).status_code == 404
    assert client.post(reverse("programme:pilot_attachment_delete", args=[attachment.pk])).status_code == 404
    assert client.get(f"/api/pilots/{pilot.pk}/").status_code == 404
    assert client.get(f"/api/pilot-filings/{filing.pk}/").status_code == 404
    assert client.get("/api/pilot-filings/").json()["results"] == []
    assert client.get("/api/pilots/").json()["results"] == []
    # Nothing changed.
    assert PilotStatistics.objects.get(filing=filing).talents_trained == 80
    assert filing.attachments.count() == 1


@pytest.mark.parametrize("make_user", [lambda: district_user("120111"), lambda: province_user("130000")])
def test_outsiders_do_not_see_the_pilot_in_lists(setup, login, make_user):
    pilot, _, _ = setup
    client = login(make_user())
    response = client.get(reverse("programme:pilot_list"), {"year": YEAR})
    assert response.status_code == 200
    assert pilot.name not in response.content.decode()
    assert client.get("/api/pilots/").json()["results"] == []


@pytest.mark.parametrize("make_user", [lambda: district_user("120113"), lambda: district_user("120114"),
                                       lambda: province_user("120000"), hq_user])
def test_insiders_see_it(setup, login, make_user):
    pilot, filing, attachment = setup
    client = login(make_user())
    assert pilot.name in client.get(reverse("programme:pilot_list"), {"year": YEAR}).content.decode()
    assert client.get(reverse("programme:pilot_filing", args=[pilot.pk, YEAR])).status_code == 200
    response = client.get(reverse("programme:pilot_attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    api = client.get(f"/api/pilot-filings/{filing.pk}/").json()
    assert api["statistics"]["total_enterprises"] == 200


def test_a_district_of_the_pilot_saves_and_submits_through_the_page(setup, login):
    pilot, filing, _ = setup
    client = login(district_user("120114"))
    url = reverse("programme:pilot_filing", args=[pilot.pk, YEAR])
    response = client.post(url, _post_data(trained_enterprises=999))
    assert response.status_code == 400
    assert "不能大于" in response.content.decode()
    data = _post_data(talents_trained=5)
    data.update({f"a2-{k}": getattr(filing, k) for k in ["background_industry", "results", "experience_models",
                                                          "problems", "next_steps"]})
    data["action"] = "submit"
    assert client.post(url, data).status_code == 302
    filing.refresh_from_db()
    assert filing.status == PilotFilingStatus.SUBMITTED and filing.statistics.talents_trained == 5


def test_province_staff_and_hq_cannot_edit_and_districts_cannot_review(setup, login):
    pilot, filing, _ = setup
    url = reverse("programme:pilot_filing", args=[pilot.pk, YEAR])
    for user in (province_user("120000"), hq_user()):
        client = login(user)
        client.post(url, _post_data(talents_trained=3))
        assert PilotStatistics.objects.get(filing=filing).talents_trained == 80
    PilotFiling.objects.filter(pk=filing.pk).update(status=PilotFilingStatus.SUBMITTED)
    client = login(district_user("120113"))
    response = client.post(reverse("programme:pilot_review", args=[pilot.pk, YEAR]), {"decision": "accept"})
    assert response.status_code == 403
    client = login(province_user("120000"))
    client.post(reverse("programme:pilot_review", args=[pilot.pk, YEAR]), {"decision": "accept"})
    filing.refresh_from_db()
    assert filing.status == PilotFilingStatus.ACCEPTED


def test_export_jobs_follow_scope(setup, login, django_capture_on_commit_callbacks):
    from reporting.models import Job

    client = login(province_user("130000"))
    response = client.post(reverse("programme:pilot_export"), {"year": YEAR, "province": "120000",
                                                                "format": "xlsx"})
    # Tianjin is not in Hebei's province list: the form refuses it, no job is made.
    assert response.status_code == 302 and not Job.objects.exists()
