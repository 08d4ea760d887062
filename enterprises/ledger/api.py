from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import ScopedReadOnlyViewSet
from portal.roles import Role

from ..intake.api import BoundedDateTimeField, YearDistrictQuerySerializer
from ..intake.idempotency import IDEMPOTENCY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from ..models import (
    AssistanceDimension,
    AssistanceMode,
    CertificationScheme,
    Industry,
    LedgerRecord,
    MaturityLevel,
)
from .selectors import ledger_list
from .services import API_BATCH_MAX, ledger_batch_submit

if TYPE_CHECKING:
    from portal.models import User


class LedgerRecordOutputSerializer(serializers.ModelSerializer):
    programme_year = serializers.IntegerField(source="programme_year_id")
    certification_body = serializers.CharField(source="certification_body.approval_number")
    uscc = serializers.CharField(source="enterprise.uscc")
    name = serializers.CharField(source="reported_name")
    district_code = serializers.CharField(source="reported_district.code")
    industry = serializers.CharField(source="reported_industry")
    employees = serializers.IntegerField(source="reported_employees", allow_null=True)
    revenue = serializers.DecimalField(source="reported_revenue", max_digits=14, decimal_places=2, allow_null=True)
    size_class = serializers.CharField(source="reported_size_class")
    dimensions = serializers.SerializerMethodField()
    modes = serializers.SerializerMethodField()
    warnings = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = LedgerRecord
        fields = [
            "id",
            "programme_year",
            "certification_body",
            "uscc",
            "name",
            "district_code",
            "industry",
            "employees",
            "revenue",
            "size_class",
            "dimensions",
            "modes",
            "start_date",
            "end_date",
            "experts_count",
            "problems_found",
            "problems_solved",
            "certification_fee",
            "fee_reduction",
            "certified",
            "certificate_number",
            "scheme",
            "maturity_before",
            "maturity_after",
            "pilot_region",
            "notes",
            "warnings",
            "source",
            "updated_at",
        ]

    def get_dimensions(self, obj: LedgerRecord) -> list[str]:
        return [c for c in obj.dimensions.split(",") if c]

    def get_modes(self, obj: LedgerRecord) -> list[str]:
        return [c for c in obj.modes.split(",") if c]


class LedgerRecordInputSerializer(serializers.Serializer):
    """One ledger record. Enumerations take the code (e.g. ``industry``) or the Chinese label; the
    portal applies the same rules as to an uploaded file and answers per record."""

    uscc = serializers.CharField(max_length=32, help_text="统一社会信用代码（18位）")
    name = serializers.CharField(max_length=200, help_text="企业名称")
    district_code = serializers.CharField(max_length=12, help_text="6位县级行政区划代码")
    industry = serializers.ChoiceField(choices=Industry.choices)
    employees = serializers.JSONField(required=False, allow_null=True, help_text="从业人员（人），不小于0的整数")
    revenue = serializers.JSONField(required=False, allow_null=True, help_text="营业收入（万元）")
    dimensions = serializers.ListField(child=serializers.ChoiceField(choices=AssistanceDimension.choices), min_length=1)
    modes = serializers.ListField(child=serializers.ChoiceField(choices=AssistanceMode.choices), min_length=1)
    start_date = serializers.CharField(help_text="YYYY-MM-DD，须在行动年度内")
    end_date = serializers.CharField(help_text="YYYY-MM-DD，不早于开始日期")
    experts_count = serializers.JSONField(required=False, allow_null=True)
    problems_found = serializers.JSONField(required=False, allow_null=True)
    problems_solved = serializers.JSONField(required=False, allow_null=True)
    certification_fee = serializers.JSONField(required=False, allow_null=True, help_text="认证费用（元）")
    fee_reduction = serializers.JSONField(required=False, allow_null=True, help_text="减免费用（元），须低于认证费用")
    certified = serializers.BooleanField(required=False, default=False)
    certificate_number = serializers.CharField(required=False, allow_blank=True, max_length=200)
    scheme = serializers.ChoiceField(choices=CertificationScheme.choices, required=False, allow_blank=True)
    maturity_before = serializers.ChoiceField(choices=MaturityLevel.choices, required=False, allow_blank=True)
    maturity_after = serializers.ChoiceField(choices=MaturityLevel.choices, required=False, allow_blank=True)
    pilot_region = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class LedgerBatchInputSerializer(serializers.Serializer):
    programme_year = serializers.IntegerField(help_text="行动年度，如 2024")
    # Records are validated row by row by the ledger rules (not all-or-nothing by the serializer), so each
    # record gets its own result; the schema documents their shape.
    records = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=API_BATCH_MAX)


class LedgerBatchRequestSerializer(serializers.Serializer):
    """The documented request body (records are checked one by one by the ledger rules)."""

    programme_year = serializers.IntegerField(help_text="行动年度，如 2024")
    records = LedgerRecordInputSerializer(many=True)


class RecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="records 中的位置（从0开始）")
    uscc = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "failed"])
    errors = serializers.ListField(  # type: ignore[assignment]
        child=inline_serializer("RecordMessage", {"field": serializers.CharField(), "message": serializers.CharField()})
    )
    warnings = serializers.ListField(
        child=inline_serializer("RecordWarning", {"field": serializers.CharField(), "message": serializers.CharField()})
    )


class LedgerBatchOutputSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    counts = inline_serializer(
        "LedgerBatchCounts",
        {
            "created": serializers.IntegerField(),
            "updated": serializers.IntegerField(),
            "unchanged": serializers.IntegerField(),
            "failed": serializers.IntegerField(),
        },
    )
    results = RecordResultSerializer(many=True)


_LIST_PARAMS = [
    OpenApiParameter("programme_year", OpenApiTypes.INT, description="年度"),
    OpenApiParameter("uscc", OpenApiTypes.STR, description="统一社会信用代码"),
    OpenApiParameter("district", OpenApiTypes.STR, description="区划代码（含下级）"),
    OpenApiParameter("certified", OpenApiTypes.BOOL, description="是否获证"),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="此时间之后更新的记录"),
]


class LedgerListQuerySerializer(YearDistrictQuerySerializer):
    uscc = serializers.CharField(required=False, max_length=18, trim_whitespace=True)
    certified = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = BoundedDateTimeField(required=False)


class LedgerRecordViewSet(ScopedReadOnlyViewSet):
    """帮扶台账. A CB reads and writes only its own records; unit staff read their area's; HQ all."""

    queryset = LedgerRecord.objects.all()
    serializer_class = LedgerRecordOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return ledger_list(user=cast("User", self.request.user)).select_related("reported_district")
        query = LedgerListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        certified = params.get("certified")
        qs = ledger_list(
            user=cast("User", self.request.user),
            year=params.get("programme_year"),
            district=params.get("district", ""),
            certified="" if certified is None else ("1" if certified else "0"),
            updated_since=params.get("updated_since"),
        ).select_related("reported_district")
        if uscc := params.get("uscc"):
            qs = qs.filter(enterprise__uscc=uscc.upper())
        return qs

    @extend_schema(parameters=_LIST_PARAMS, summary="列出可见的帮扶台账记录（分页）")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="批量报送帮扶台账（每批最多5000条）",
        description=(
            "每条记录按与Excel上传相同的规则校验；通过的记录按自然键（认证机构×企业×年度）新增或更新，"
            "重复提交同一批次结果为 unchanged。records 的每一项形如 LedgerRecordInput；"
            "results 的 index 为 records 中的位置（从0开始）。"
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=LedgerBatchRequestSerializer,
        responses={200: LedgerBatchOutputSerializer, **IDEMPOTENCY_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    @idempotent
    def batch(self, request: Request) -> Response:
        if getattr(request.user, "role", None) != Role.CB:
            raise PermissionDenied("只有认证机构用户可以报送帮扶台账。")
        data = LedgerBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records = data.validated_data["records"]
        result = ledger_batch_submit(
            actor=cast("User", request.user), year=data.validated_data["programme_year"], records=records
        )
        return Response(LedgerBatchOutputSerializer(result).data, status=status.HTTP_200_OK)
