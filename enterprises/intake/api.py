from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class BoundedDateTimeField(serializers.DateTimeField):
    """A datetime filter that answers a 400 (not a 500) for dates the server cannot represent, e.g. year 1."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            parsed = super().to_internal_value(value)
            # PostgreSQL accepts offsets up to ±15:59; compare in UTC, whatever offset the caller sent.
            return parsed.astimezone(dt.UTC)
        except OverflowError as exc:
            raise serializers.ValidationError(_("日期超出可用范围，请填写2000年至2100年之间的时间。")) from exc


class YearDistrictQuerySerializer(serializers.Serializer):
    """List filters, checked before they reach the database: a bad value is a 400 naming the parameter."""

    programme_year = serializers.IntegerField(required=False, min_value=2020, max_value=2100)
    district = serializers.RegexField(
        r"^\d{6}$", required=False, error_messages={"invalid": _("区划代码应为6位数字。")}
    )
