"""Admin saves, deletes and imports write portal.audit events like every other write (source "admin")."""

import pytest
import tablib
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from portal.models import AuditEvent, User
from programme.models import CertificationBody
from programme.resources import CertificationBodyResource
from tests.factories import CertificationBodyFactory, district_user, hq_user, unit

pytestmark = pytest.mark.django_db


def _events(obj_or_type, object_id=None):
    label = obj_or_type._meta.label_lower
    qs = AuditEvent.objects.filter(object_type=label, source__startswith="admin")
    return qs.filter(object_id=str(object_id)) if object_id is not None else qs


def _cb_form(cb, **changes):
    data = {"approval_number": cb.approval_number, "name": cb.name, "status": cb.status,
            "province": cb.province_id or ""}
    data.update(changes)
    return data


def test_admin_change_is_audited_with_its_new_values(login):
    cb = CertificationBodyFactory()
    hq = hq_user()
    client = login(hq)
    url = reverse("admin:programme_certificationbody_change", args=[cb.pk])
    response = client.post(url, _cb_form(cb, name="改名后的认证中心"))
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = _events(cb, cb.pk)
    assert event.action == "update" and event.actor == hq and event.source == "admin"
    assert event.changes == {"name": "改名后的认证中心"}


def test_admin_add_is_audited(login):
    client = login(hq_user())
    response = client.post(reverse("admin:programme_certificationbody_add"),
                           {"approval_number": "CNCA-R-2020-321", "name": "新增认证中心", "status": "active",
                            "province": unit("120000").pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    cb = CertificationBody.objects.get(approval_number="CNCA-R-2020-321")
    [event] = _events(cb, cb.pk)
    assert event.action == "create" and event.changes["name"] == "新增认证中心"


def test_admin_delete_and_bulk_delete_are_audited(login):
    one, two, three = CertificationBodyFactory(), CertificationBodyFactory(), CertificationBodyFactory()
    client = login(hq_user())
    response = client.post(reverse("admin:programme_certificationbody_delete", args=[one.pk]), {"post": "yes"})
    assert response.status_code == 302
    response = client.post(reverse("admin:programme_certificationbody_changelist"),
                           {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"})
    assert response.status_code == 302
    deleted = {e.object_id: e for e in _events(CertificationBody).filter(action="delete")}
    assert set(deleted) == {str(one.pk), str(two.pk), str(three.pk)}
    assert deleted[str(one.pk)].object_repr == str(one)
    assert not CertificationBody.objects.filter(pk__in=[one.pk, two.pk, three.pk]).exists()


def test_admin_password_reset_is_audited_without_the_password(login):
    target = district_user()
    client = login(hq_user())
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    response = client.post(url, {"password1": "Another-Good-Pass-7", "password2": "Another-Good-Pass-7",
                                 "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = _events(User, target.pk)
    assert event.changes == {"password": "reset"}
    assert "Another-Good-Pass-7" not in str(event.changes)


def test_admin_import_is_audited_row_by_row():
    data = tablib.Dataset(headers=["批准号", "机构名称", "状态代码", "注册地代码"])
    data.append(["CNCA-R-2019-901", "导入认证中心甲", "active", "120000"])
    data.append(["CNCA-R-2019-902", "导入认证中心乙", "active", "120000"])
    # As the admin's confirm step runs it: the row results keep their instances.
    result = CertificationBodyResource().import_data(data, dry_run=False, retain_instance_in_row_result=True)
    assert result.totals["new"] == 2
    request = RequestFactory().post("/admin/programme/certificationbody/process_import/")
    request.user = hq_user()
    request.session = {}
    request._messages = FallbackStorage(request)
    site._registry[CertificationBody].process_result(result, request)
    events = _events(CertificationBody).filter(source="admin:import", action="create")
    created = set(CertificationBody.objects.filter(approval_number__startswith="CNCA-R-2019-90")
                  .values_list("pk", flat=True))
    assert {int(e.object_id) for e in events} == created and len(created) == 2
    assert {e.actor for e in events} == {request.user}


def test_admin_inline_rows_are_audited():
    import datetime as dt

    from programme.admin import PhaseInline
    from programme.models import Phase, ProgrammeYear

    year = ProgrammeYear.objects.get(year=2026)
    phases = list(year.phases.order_by("pk"))
    changed, removed = phases[0], phases[1]
    request = RequestFactory().post("/admin/programme/programmeyear/")
    request.user = hq_user()
    formset_class = PhaseInline(ProgrammeYear, site).get_formset(request, year)
    prefix = formset_class.get_default_prefix()
    data = {f"{prefix}-TOTAL_FORMS": str(len(phases)), f"{prefix}-INITIAL_FORMS": str(len(phases)),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, phase in enumerate(phases):
        data.update({f"{prefix}-{i}-id": str(phase.pk), f"{prefix}-{i}-programme_year": str(year.pk),
                     f"{prefix}-{i}-kind": phase.kind, f"{prefix}-{i}-starts_on": phase.starts_on.isoformat(),
                     f"{prefix}-{i}-ends_on": phase.ends_on.isoformat()})
    new_end = changed.ends_on + dt.timedelta(days=3)
    data[f"{prefix}-0-ends_on"] = new_end.isoformat()
    data[f"{prefix}-1-DELETE"] = "on"
    formset = formset_class(data, instance=year, prefix=prefix)
    assert formset.is_valid(), formset.errors
    parent_form = type("ParentForm", (), {"instance": year})()
    site._registry[ProgrammeYear].save_formset(request, parent_form, formset, change=True)
    [update] = _events(Phase, changed.pk).filter(action="update")
    assert update.changes == {"ends_on": str(new_end)}
    [delete] = _events(Phase, removed.pk).filter(action="delete")
    assert delete.object_repr == str(removed)
    assert not Phase.objects.filter(pk=removed.pk).exists()
