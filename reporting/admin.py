from django.contrib import admin

from portal.admin import ScopedAdminMixin

from .models import Job


@admin.register(Job)
class JobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "kind", "title", "status", "progress", "total", "attempts", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["created_at", "started_at", "finished_at", "heartbeat_at"]
    hq_can_edit = False
