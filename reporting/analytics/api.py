"""The catalogue's read API: ``GET /api/indicators/`` (every indicator's definition) and
``GET /api/indicators/values/?keys=&unit=&years=&by=children`` (values of a unit the caller may see, optionally with
its sub-units). Values are the catalogue's (``reporting.indicators.figures``), the same as every page shows."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reporting.indicators import Indicator, figures, indicator

from .scope import is_staff, programme_years, sub_units, unit_for
from .views import catalogue_rows

if TYPE_CHECKING:
    from portal.models import User

MAX_KEYS = 100


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text="名称（按请求语言）")
    short_name = serializers.CharField()
    unit = serializers.CharField(help_text="家、人次、元（金额）、% …")
    source = serializers.CharField()  # type: ignore[assignment]
    source_label = serializers.CharField()
    formula = serializers.CharField()
    aggregation = serializers.CharField(help_text="sum / distinct / ratio / mean / own")
    aggregation_label = serializers.CharField()
    over_years = serializers.CharField(help_text="sum / distinct / latest：多年合计的规则")
    over_years_label = serializers.CharField()
    better = serializers.CharField(help_text="up / down / neither")
    better_label = serializers.CharField()
    levels = serializers.ListField(child=serializers.CharField())
    levels_label = serializers.CharField()


class CatalogueView(APIView):
    """Every indicator of the catalogue (any signed-in caller: it holds definitions, no figures)."""

    @extend_schema(summary="指标目录", responses=IndicatorSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(catalogue_rows())


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class ValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    unit = serializers.CharField(help_text="区划代码")
    year = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="null：无数据（不是0）")
    text = serializers.CharField(help_text="按目录格式化的值，如“240家”“63.0%”“—”")


class ValuesSerializer(serializers.Serializer):
    units = UnitSerializer(many=True)
    years = serializers.ListField(child=serializers.IntegerField())
    keys = serializers.ListField(child=serializers.CharField())
    as_of = serializers.DateTimeField()
    values = ValueSerializer(many=True)


def _keys(raw: str) -> list[Indicator]:
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ValidationError({"keys": [_("请用 keys 参数列出指标（逗号分隔），见 /api/indicators/。")]})
    if len(keys) > MAX_KEYS:
        raise ValidationError({"keys": [_("一次最多%(n)s个指标。") % {"n": MAX_KEYS}]})
    unknown = [k for k in keys if indicator(k) is None]
    if unknown:
        raise ValidationError({"keys": [_("没有这些指标：%(keys)s。") % {"keys": "、".join(unknown)}]})
    return [cast(Indicator, indicator(k)) for k in dict.fromkeys(keys)]


def _years(raw: str) -> list[int]:
    allowed = programme_years()
    if not raw.strip():
        return [allowed[-1]]
    years: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) not in allowed:
            raise ValidationError({"years": [_("“%(year)s”不是提升行动年度（%(first)s—%(last)s）。") % {
                "year": part, "first": allowed[0], "last": allowed[-1]}]})
        years.append(int(part))
    return sorted(set(years))


def _json_number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value  # type: ignore[no-any-return]


class ValuesView(APIView):
    """Values of indicators for a unit the caller may see (default: the caller's own), and with ``by=children``
    for each of its sub-units (HQ: the provincial units, a province: its districts). Unit staff only; a unit
    outside the caller's scope is 404. An indicator that does not exist for a unit's level is left out of that
    unit's values (no data), like every year without data."""

    @extend_schema(
        summary="指标数值",
        parameters=[
            OpenApiParameter("keys", OpenApiTypes.STR, required=True, description="指标键，逗号分隔"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="区划代码；默认本单位（总局：全国 000000）"),
            OpenApiParameter("years", OpenApiTypes.STR, description="年度，逗号分隔；默认当年"),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["children"], description="children：同时给出下级单位"),
        ],
        responses=ValuesSerializer,
    )
    def get(self, request: Request) -> Response:
        user = cast("User", request.user)
        if not is_staff(user):
            raise PermissionDenied(_("只有市场监管部门工作人员可以查看指标数值。"))
        params = request.query_params
        inds = _keys(params.get("keys", ""))
        years = _years(params.get("years", ""))
        by = params.get("by", "")
        if by not in ("", "children"):
            raise ValidationError({"by": [_("by 只能是 children。")]})
        unit = unit_for(user, params.get("unit"))
        units = [unit, *(sub_units(unit) if by == "children" else [])]
        timed = figures([i.key for i in inds], units=units, years=years)
        table = timed.value
        values = [
            {"key": ind.key, "unit": u.code, "year": y, "value": _json_number(table.get(ind.key, u.code, y)),
             "text": ind.format(table.get(ind.key, u.code, y))}
            for ind in inds for u in units for y in years
        ]
        return Response({
            "units": [{"code": u.code, "name": u.name, "level": u.level} for u in units],
            "years": years, "keys": [i.key for i in inds], "as_of": timed.as_of, "values": values,
        })
