"""Reference-data import/export in the admin (django-import-export), scoped like every admin page."""

from __future__ import annotations

import pytest
import tablib
from django.contrib.admin.sites import site
from django.test import RequestFactory

from enterprises.models import Enterprise
from enterprises.registry.resources import EnterpriseResource
from programme.models import CertificationBody
from programme.resources import CertificationBodyResource
from tests.factories import EnterpriseFactory, district_user, hq_user, valid_uscc

pytestmark = pytest.mark.django_db


def test_enterprise_resource_imports_by_uscc_and_district_code():
    uscc = valid_uscc("120113")
    data = tablib.Dataset(
        headers=[
            "统一社会信用代码",
            "企业名称",
            "所在区县代码",
            "行业代码",
            "从业人员（人）",
            "营业收入（万元）",
            "资产总额（万元）",
            "企业规模",
        ]
    )
    data.append([uscc, "导入测试有限公司", "120113", "industry", 30, 900, "", ""])
    data.append(
        [uscc[:17] + ("0" if uscc[17] != "0" else "1"), "校验位错误有限公司", "120113", "industry", 3, 10, "", ""]
    )
    result = EnterpriseResource().import_data(data, dry_run=False)
    assert result.totals["new"] == 1 and result.has_validation_errors()
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert enterprise.district.code == "120113" and enterprise.size_class == "small"


def test_cb_resource_round_trip():
    data = tablib.Dataset(headers=["批准号", "机构名称", "状态代码", "注册地代码"])
    data.append(["CNCA-R-2019-123", "导入认证中心", "active", "120000"])
    data.append(["bad-number", "格式错误", "active", "120000"])
    result = CertificationBodyResource().import_data(data, dry_run=False)
    assert result.totals["new"] == 1 and result.has_validation_errors()
    assert CertificationBody.objects.get(approval_number="CNCA-R-2019-123").province.code == "120000"
    exported = CertificationBodyResource().export()
    assert "CNCA-R-2019-123" in exported.csv


def test_admin_import_is_hq_only_and_export_is_scoped():
    admin = site._registry[Enterprise]
    inside, outside = EnterpriseFactory(district_code="120113"), EnterpriseFactory(district_code="120114")
    request = RequestFactory().get("/admin/enterprises/enterprise/")
    request.user = district_user("120113")
    assert not admin.has_import_permission(request)
    assert admin.has_export_permission(request)
    assert list(admin.get_export_queryset(request)) == [inside]
    request.user = hq_user()
    assert admin.has_import_permission(request)
    assert {e.pk for e in admin.get_export_queryset(request)} >= {inside.pk, outside.pk}


def test_cb_registry_import_and_export_in_the_admin(client, login):
    cb_admin = site._registry[CertificationBody]
    request = RequestFactory().get("/admin/programme/certificationbody/")
    request.user = district_user("120113")
    assert not cb_admin.has_import_permission(request)
    assert cb_admin.has_export_permission(request)
    login(hq_user())
    assert client.get("/admin/programme/certificationbody/import/").status_code == 200
    export_page = client.get("/admin/programme/certificationbody/export/")
    assert export_page.status_code == 200 and "批准号" in export_page.content.decode()
