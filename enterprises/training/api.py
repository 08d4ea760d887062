from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import ScopedReadOnlyViewSet
from portal.roles import Role

from ..intake.api import YearDistrictQuerySerializer
from ..intake.idempotency import IDEMPOTENCY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from ..models import (
    TrainingDelivery,
    TrainingRecord,
)
from .columns import FIELDS as TRAINING_FIELDS
from .columns import MAX_ROWS as TRAINING_BATCH_MAX
from .pipeline import CREATED, BatchRejected, training_batch_create
from .selectors import training_list

if TYPE_CHECKING:
    from portal.models import User


# ---- training records (培训台账) -------------------------------------------------------------------
class TrainingRecordOutputSerializer(serializers.ModelSerializer):
    programme_year = serializers.IntegerField(source="programme_year_id")
    certification_body = serializers.CharField(source="certification_body.approval_number")
    district_code = serializers.CharField(source="district.code")

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "programme_year",
            "certification_body",
            "held_on",
            "organiser",
            "topic",
            "delivery",
            "district_code",
            "enterprise_count",
            "person_count",
            "source",
            "updated_at",
        ]


class TrainingRecordInputSerializer(serializers.Serializer):
    """One training record (documentation only: the records are checked by the same rules as the upload)."""

    held_on = serializers.DateField(help_text="培训日期 YYYY-MM-DD，须在行动年度内")
    organiser = serializers.CharField(max_length=128, help_text="主办单位")
    topic = serializers.CharField(max_length=200, help_text="培训主题；同一日期、区县、主题只能有一条")
    delivery = serializers.ChoiceField(choices=TrainingDelivery.choices, help_text="形式：代码或中文名称")
    district_code = serializers.CharField(max_length=6, help_text="6位县级行政区划代码")
    enterprise_count = serializers.IntegerField(min_value=0, help_text="参训企业（家）")
    person_count = serializers.IntegerField(min_value=0, help_text="参训人次，不少于参训企业数")


class TrainingBatchInputSerializer(serializers.Serializer):
    programme_year = serializers.IntegerField(help_text="行动年度，如 2024")
    records = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=TRAINING_BATCH_MAX)


class TrainingBatchRequestSerializer(serializers.Serializer):
    programme_year = serializers.IntegerField(help_text="行动年度，如 2024")
    records = TrainingRecordInputSerializer(many=True)


class TrainingRecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="records 中的位置（从0开始）")
    # No "failed": a batch with an error stores nothing and answers 400 (counts.failed is always 0).
    status = serializers.ChoiceField(
        choices=["created", "updated", "unchanged"],
        help_text="created 新增；updated 已有同一日期、区县、主题的记录，按本次内容更新；unchanged 已有且内容相同",
    )
    errors = serializers.ListField(  # type: ignore[assignment]
        child=inline_serializer(
            "TrainingRecordMessage", {"field": serializers.CharField(), "message": serializers.CharField()}
        ),
        help_text="成功的批次中总为空（有错误时整批不保存，返回 400）",
    )
    warnings = serializers.ListField(
        child=inline_serializer(
            "TrainingRecordWarning", {"field": serializers.CharField(), "message": serializers.CharField()}
        )
    )


class TrainingBatchOutputSerializer(serializers.Serializer):
    counts = inline_serializer(
        "TrainingBatchCounts",
        {
            "created": serializers.IntegerField(),
            "updated": serializers.IntegerField(),
            "unchanged": serializers.IntegerField(),
            "failed": serializers.IntegerField(),
        },
    )
    results = TrainingRecordResultSerializer(many=True, help_text="每条记录的结果，与 records 顺序一致")
    created = serializers.IntegerField(help_text="新增记录数（同 counts.created）")
    ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="每条记录（新增、更新或未变）的 id，与 records 顺序一致"
    )


class TrainingRecordViewSet(ScopedReadOnlyViewSet):
    """培训台账. A CB reads only its own records; unit staff read their area's; HQ all."""

    queryset = TrainingRecord.objects.all()
    serializer_class = TrainingRecordOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return training_list(user=cast("User", self.request.user))
        query = YearDistrictQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return training_list(
            user=cast("User", self.request.user), year=params.get("programme_year"), district=params.get("district", "")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("programme_year", OpenApiTypes.INT, description="年度"),
            OpenApiParameter("district", OpenApiTypes.STR, description="区划代码（含下级）"),
        ],
        summary="列出可见的培训台账记录（分页）",
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=f"批量报送培训台账（每批最多{TRAINING_BATCH_MAX}条，全部成功或全部不保存）",
        description=(
            "每条记录按与单条录入、Excel上传相同的规则校验，并受本年度培训台账截止时间约束。"
            "任何一条有误则不保存任何记录，返回 400，error.fields.records 按记录位置（从0开始）"
            "列出每条的错误字段和说明；年度已截止或非认证机构用户返回 403。"
            "按自然键（年度×认证机构×培训日期×培训主题×区县）幂等：已有且内容相同的记录为 unchanged，"
            "主办单位、形式或人数不同的按本次内容更新（updated，记入审计日志），重复提交同一批次全部为 unchanged；"
            "同一批次内自然键重复仍为错误。results 按 records 顺序给出每条的结果，index 为 records 中的位置"
            "（从0开始）。有新增记录时返回 201，否则返回 200。"
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=TrainingBatchRequestSerializer,
        responses={201: TrainingBatchOutputSerializer, 200: TrainingBatchOutputSerializer, **IDEMPOTENCY_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    @idempotent
    def batch(self, request: Request) -> Response:
        if getattr(request.user, "role", None) != Role.CB:
            raise PermissionDenied(gettext("只有认证机构用户可以报送培训台账。"))
        data = TrainingBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records = data.validated_data["records"]
        unknown = {
            str(index): {key: [gettext("不支持的字段，请删除。")] for key in record if key not in TRAINING_FIELDS}
            for index, record in enumerate(records)
            if set(record) - set(TRAINING_FIELDS)
        }
        if unknown:
            raise exceptions.ValidationError({"records": unknown})
        try:
            batch = training_batch_create(
                actor=cast("User", request.user),
                year=data.validated_data["programme_year"],
                # Records are numbered from 1 in messages, as rows are ("与第1行…相同"); error keys are indexes.
                rows=list(enumerate(records, start=1)),
                source="api",
            )
        except BatchRejected as exc:
            by_record: dict[str, dict[str, list[str]]] = {}
            for error in exc.errors:
                key = "batch" if error.row < 0 else str(error.row - 1)  # -1: the batch as a whole
                by_record.setdefault(key, {}).setdefault(error.field or "non_field_errors", []).append(
                    error.message
                )
            raise exceptions.ValidationError({"records": by_record}) from exc
        counts = {**batch.counts, "failed": 0}
        body = {
            "counts": counts,
            "results": [
                {"index": index, "status": state, "errors": [], "warnings": []}
                for index, state in enumerate(batch.statuses)
            ],
            "created": counts[CREATED],
            "ids": [r.pk for r in batch],
        }
        answer = status.HTTP_201_CREATED if counts[CREATED] else status.HTTP_200_OK
        return Response(TrainingBatchOutputSerializer(body).data, status=answer)
