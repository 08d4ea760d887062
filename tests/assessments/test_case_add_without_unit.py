"""Recommending an excellent case needs the actor's own district: an account without a unit is refused, not a 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessments import services
from assessments.models import ExcellentCase
from tests.factories import UserFactory, district_user

pytestmark = pytest.mark.django_db


def test_the_service_refuses_a_missing_district():
    with pytest.raises(PermissionDenied):
        services.excellent_case_add(actor=district_user("120113"), year=2024, district=None, title="无单位")
    assert not ExcellentCase.objects.exists()


def test_a_superuser_without_a_unit_posting_a_case_gets_the_form_back(login):
    admin = UserFactory(role="", org_unit=None, is_superuser=True, is_staff=True)
    response = login(admin).post(reverse("assessments:cases", args=[2024]), {"title": "案例", "summary": ""})
    assert response.status_code == 200
    assert "优良案例由区县局推荐本区县的案例" in " ".join(response.context["form"].non_field_errors())
    assert not ExcellentCase.objects.exists()
