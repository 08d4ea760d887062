"""Read-only API of the evaluation: results (scoped, publication-aware) and an expert's assignments."""

from __future__ import annotations

from rest_framework import serializers

from portal.api import ScopedReadOnlyViewSet

from .models import ExpertAssignment, UnitResult


class UnitResultSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="evaluation.programme_year_id", read_only=True)
    evaluator_code = serializers.CharField(source="evaluation.evaluator.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitResult
        fields = ["id", "year", "evaluator_code", "unit_code", "unit_name", "rank", "total", "area_scores",
                  "item_scores", "expert_subtotal", "questionnaire_subtotal", "previous_rank", "rank_change",
                  "outstanding", "most_improved"]


class UnitResultViewSet(ScopedReadOnlyViewSet):
    """Evaluation results visible to the caller; filter with ``year``."""

    queryset = UnitResult.objects.select_related("evaluation", "evaluation__evaluator", "unit").order_by(
        "evaluation__programme_year_id", "evaluation__evaluator__code", "rank", "unit__code")
    serializer_class = UnitResultSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = super().get_queryset()
        year = self.request.query_params.get("year")
        if year and year.isdigit():
            qs = qs.filter(evaluation__programme_year_id=int(year))
        return qs


class AssignmentSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="evaluation.programme_year_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ExpertAssignment
        fields = ["id", "year", "unit_code", "unit_name", "expert"]


class AssignmentViewSet(ScopedReadOnlyViewSet):
    queryset = ExpertAssignment.objects.select_related("evaluation", "unit").order_by("pk")
    serializer_class = AssignmentSerializer
