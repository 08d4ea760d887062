from __future__ import annotations

from django.contrib import admin

from portal.admin import ScopedAdminMixin, ScopedImportExportMixin

from .models import Enterprise, EnterpriseDiscrepancy, LedgerRecord, LedgerUpload, SizeThreshold, TrainingRecord
from .registry.resources import EnterpriseResource


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedImportExportMixin, ScopedAdminMixin, admin.ModelAdmin):
    resource_classes = [EnterpriseResource]
    list_display = ["uscc", "name", "district", "industry", "employees", "revenue", "size_class"]
    list_filter = ["size_class", "industry"]
    search_fields = ["uscc", "name"]
    raw_id_fields = ["district"]
    list_select_related = ["district"]


@admin.register(SizeThreshold)
class SizeThresholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["industry", "size_class", "min_employees", "min_revenue", "min_assets"]
    list_filter = ["industry"]


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Ledger data is written through uploads and the API (validated, audited), never in the admin."""

    hq_can_edit = False


@admin.register(LedgerRecord)
class LedgerRecordAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "programme_year",
        "certification_body",
        "enterprise",
        "start_date",
        "end_date",
        "certified",
        "source",
        "updated_at",
    ]
    list_filter = ["programme_year", "certified"]
    search_fields = ["enterprise__uscc", "reported_name", "certification_body__approval_number"]
    list_select_related = ["certification_body", "enterprise"]
    raw_id_fields = ["enterprise", "certification_body", "reported_district", "last_upload"]


@admin.register(LedgerUpload)
class LedgerUploadAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "created_at",
        "certification_body",
        "original_name",
        "status",
        "total_rows",
        "new_count",
        "changed_count",
        "unchanged_count",
        "failed_count",
    ]
    list_filter = ["status", "programme_year"]
    exclude = ["issues"]
    list_select_related = ["certification_body"]


@admin.register(EnterpriseDiscrepancy)
class EnterpriseDiscrepancyAdmin(ReadOnlyScopedAdmin):
    list_display = ["enterprise", "field", "registry_value", "reported_value", "reported_by", "status", "created_at"]
    list_filter = ["status", "field"]
    list_select_related = ["enterprise", "reported_by"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "held_on",
        "topic",
        "certification_body",
        "district",
        "delivery",
        "enterprise_count",
        "person_count",
    ]
    list_filter = ["programme_year", "delivery"]
    search_fields = ["topic", "organiser"]
    list_select_related = ["certification_body", "district"]
