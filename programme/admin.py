from django.contrib import admin

from portal.admin import ScopedAdminMixin, ScopedImportExportMixin

from .models import (
    CertificationBody,
    Deadline,
    DeadlineException,
    OrgUnit,
    Phase,
    PilotAttachment,
    PilotFiling,
    PilotRegion,
    PilotStatistics,
    ProgrammeYear,
)
from .resources import CertificationBodyResource


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "full_name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(CertificationBody)
class CertificationBodyAdmin(ScopedImportExportMixin, ScopedAdminMixin, admin.ModelAdmin):
    resource_classes = [CertificationBodyResource]
    list_display = ["approval_number", "name", "status", "province"]
    list_filter = ["status"]
    search_fields = ["approval_number", "name"]
    list_select_related = ["province"]


class PhaseInline(ScopedAdminMixin, admin.TabularInline):
    model = Phase
    extra = 0


class DeadlineInline(ScopedAdminMixin, admin.TabularInline):
    model = Deadline
    extra = 0


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "title"]
    inlines = [PhaseInline, DeadlineInline]


@admin.register(DeadlineException)
class DeadlineExceptionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["deadline", "org_unit", "certification_body", "open_until", "granted_by_unit", "reason"]
    raw_id_fields = ["org_unit", "certification_body", "granted_by_unit", "granted_by"]
    hq_can_edit = False


@admin.register(PilotRegion)
class PilotRegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "industry", "batch", "province", "start_year", "end_year"]
    list_filter = ["batch", "start_year"]
    search_fields = ["name", "industry", "province__name"]
    raw_id_fields = ["province"]
    filter_horizontal = ["districts"]
    list_select_related = ["province"]


class PilotStatisticsInline(ScopedAdminMixin, admin.StackedInline):
    model = PilotStatistics
    extra = 0


@admin.register(PilotFiling)
class PilotFilingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["pilot", "programme_year", "status", "is_late", "submitted_at", "reviewed_at"]
    list_filter = ["status", "is_late", "programme_year"]
    search_fields = ["pilot__name"]
    raw_id_fields = ["pilot", "submitted_by", "reviewed_by"]
    inlines = [PilotStatisticsInline]
    hq_can_edit = False


@admin.register(PilotAttachment)
class PilotAttachmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "filing", "section", "content_type", "size", "uploaded_at"]
    raw_id_fields = ["filing", "uploaded_by"]
    hq_can_edit = False
