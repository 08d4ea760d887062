from __future__ import annotations

from rest_framework import serializers

from portal.api import ScopedReadOnlyViewSet

from ..models import (
    Enterprise,
)


class EnterpriseSerializer(serializers.ModelSerializer):
    district_code = serializers.CharField(source="district.code", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "district_code", "industry", "employees", "revenue", "size_class"]


class EnterpriseViewSet(ScopedReadOnlyViewSet):
    """Enterprises in the caller's scope; filter with ``district`` (a code anywhere above) and ``q``."""

    queryset = Enterprise.objects.select_related("district").order_by("uscc")
    serializer_class = EnterpriseSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = super().get_queryset()
        params = self.request.query_params
        if district := params.get("district"):
            qs = qs.filter(district__path__contains=f"{district}/")
        if q := params.get("q"):
            qs = qs.filter(name__icontains=q) | qs.filter(uscc__startswith=q.upper())
        return qs
