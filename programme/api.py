from rest_framework import serializers

from portal.api import ScopedReadOnlyViewSet

from . import annex2, annex3
from .models import CertificationBody, OrgUnit, PilotFiling, PilotRegion, PilotStatistics


class OrgUnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "full_name", "level", "parent_code"]


class OrgUnitViewSet(ScopedReadOnlyViewSet):
    """Administrative units in the caller's scope, looked up by their GB/T 2260 code."""

    queryset = OrgUnit.objects.select_related("parent").order_by("code")
    serializer_class = OrgUnitSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = super().get_queryset()
        params = self.request.query_params
        if level := params.get("level"):
            qs = qs.filter(level=level)
        if parent := params.get("parent"):
            qs = qs.filter(parent__code=parent)
        return qs


class CertificationBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificationBody
        fields = ["id", "approval_number", "name", "status"]


class CertificationBodyViewSet(ScopedReadOnlyViewSet):
    """The CNCA registry as the caller may see it (a CB sees only itself)."""

    queryset = CertificationBody.objects.order_by("approval_number")
    serializer_class = CertificationBodySerializer


class PilotRegionSerializer(serializers.ModelSerializer):
    province_code = serializers.CharField(source="province.code", read_only=True)
    district_codes: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="districts", many=True, slug_field="code", read_only=True)

    class Meta:
        model = PilotRegion
        fields = ["id", "name", "industry", "batch", "province_code", "district_codes", "start_year", "end_year"]


class PilotRegionViewSet(ScopedReadOnlyViewSet):
    """Pilot regions the caller may see (their province's, or their own district's)."""

    queryset = PilotRegion.objects.select_related("province").prefetch_related("districts").order_by("pk")
    serializer_class = PilotRegionSerializer


class PilotStatisticsSerializer(serializers.ModelSerializer):
    class Meta:
        model = PilotStatistics
        fields = annex3.all_fields()


class PilotFilingSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="programme_year_id", read_only=True)
    statistics = PilotStatisticsSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PilotFiling
        fields = ["id", "pilot", "year", "status", "is_late", "submitted_at", "reviewed_at", "review_comment",
                  *annex2.leaf_keys(), "statistics"]


class PilotFilingViewSet(ScopedReadOnlyViewSet):
    """Yearly pilot filings (annex 2 texts and the annex-3 figures); filter with ?year= and ?pilot=."""

    queryset = PilotFiling.objects.select_related("statistics").order_by("pk")
    serializer_class = PilotFilingSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = super().get_queryset()
        params = self.request.query_params
        if (year := params.get("year", "")).isdigit():
            qs = qs.filter(programme_year_id=int(year))
        if (pilot := params.get("pilot", "")).isdigit():
            qs = qs.filter(pilot_id=int(pilot))
        return qs
