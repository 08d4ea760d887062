from django.contrib import admin

from portal.admin import ScopedAdminMixin

from .models import (
    Evaluation,
    ExcellentCase,
    ExpertAssignment,
    IndicatorItem,
    IndicatorScheme,
    ReferenceIndicator,
    SelfAssessment,
    TrainingCourse,
    UnitResult,
)


class IndicatorItemInline(ScopedAdminMixin, admin.TabularInline):
    model = IndicatorItem
    extra = 0
    fields = ["order", "area", "code", "name", "method", "weight", "scale_max"]
    readonly_fields = ["area", "code", "name", "method"]


@admin.register(IndicatorScheme)
class IndicatorSchemeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "frozen_at"]
    readonly_fields = ["frozen_at"]
    inlines = [IndicatorItemInline]
    hq_can_edit = False  # weights are set through the scheme page (validated, audited, frozen once scoring starts)


@admin.register(ReferenceIndicator)
class ReferenceIndicatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["item", "number", "text"]
    hq_can_edit = False


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "unit", "status", "is_late", "submitted_at"]
    list_filter = ["programme_year", "status", "is_late"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    hq_can_edit = False


@admin.register(Evaluation)
class EvaluationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "evaluator", "unit_level", "status", "computed_at", "published_at"]
    hq_can_edit = False


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["evaluation", "expert", "unit", "created_at"]
    hq_can_edit = False


@admin.register(UnitResult)
class UnitResultAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["evaluation", "rank", "unit", "total", "rank_change", "outstanding", "most_improved"]
    list_filter = ["evaluation"]
    hq_can_edit = False


@admin.register(ExcellentCase)
class ExcellentCaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "district", "slot", "title"]
    hq_can_edit = False


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "certification_body", "title"]
    hq_can_edit = False
