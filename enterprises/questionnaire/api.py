from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from portal.api import ScopedReadOnlyViewSet
from portal.roles import Role
from portal.scoping import get_visible_or_404
from programme.models import OrgUnit

from . import selectors
from .models import Response

if TYPE_CHECKING:
    from portal.models import User


class ResponseSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    district_code = serializers.CharField(source="enterprise.district.code", read_only=True)
    year = serializers.IntegerField(source="programme_year_id", read_only=True)

    class Meta:
        model = Response
        fields = ["id", "year", "uscc", "enterprise_name", "district_code", "status", "submitted_at", "is_late",
                  "answers"]


class ResponseViewSet(ScopedReadOnlyViewSet):
    """Questionnaire responses in the caller's scope (an enterprise: its own). Filter with ``year``."""

    queryset = Response.objects.select_related("enterprise", "enterprise__district").order_by("pk")
    serializer_class = ResponseSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = super().get_queryset()
        if year := self.request.query_params.get("year"):
            if not year.isdigit():
                return qs.none()
            qs = qs.filter(programme_year_id=int(year))
        return qs


class AggregatesSerializer(serializers.Serializer):
    """The figures of ``selectors.Aggregates`` for one unit and year (percentages 0–100, None when no data)."""

    year = serializers.IntegerField()
    unit = serializers.CharField()
    assisted = serializers.IntegerField()
    submitted = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    metric_changes = serializers.DictField(child=serializers.FloatField(allow_null=True))
    satisfaction_rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    effect_obvious_rate = serializers.FloatField(allow_null=True)
    effect_very_obvious_rate = serializers.FloatField(allow_null=True)
    maturity_rose_rate = serializers.FloatField(allow_null=True)
    burden_rate = serializers.FloatField(allow_null=True)
    result_indicators = serializers.DictField(child=serializers.FloatField(allow_null=True))


class AggregatesView(APIView):
    """``GET /api/questionnaire/aggregates/?year=2024&unit=120000``: a unit's aggregates (the user's own
    unit by default). Units outside the caller's scope answer 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True, description="programme year"),
            OpenApiParameter("unit", str, required=False, description="GB/T 2260 code; default: own unit"),
        ],
        responses=AggregatesSerializer,
    )
    def get(self, request: Request) -> ApiResponse:
        user = cast("User", request.user)
        role = Role.HQ if user.is_superuser and not user.role else user.role
        if role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT}:
            raise PermissionDenied(_("只有市场监管部门工作人员可以查看汇总。"))
        year = request.query_params.get("year", "")
        if not year.isdigit():
            raise NotFound(_("请用 year 参数指定年度。"))
        code = request.query_params.get("unit") or (user.org_unit.code if user.org_unit else "000000")
        unit = get_visible_or_404(OrgUnit.objects.all(), user, code=code)
        figures = selectors.aggregates_by_unit(year=int(year), units=[unit])[unit.code]
        return ApiResponse({"year": int(year), "unit": unit.code, **asdict(figures)})
