from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from .models import AuditEvent, User
from .roles import STAFF_ROLES, Role

admin.site.site_header = _("小微企业质量管理体系认证提升行动 管理后台")
admin.site.site_title = _("提升行动管理后台")
admin.site.index_title = _("数据管理")


def _is_hq(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or user.role == Role.HQ))  # type: ignore[union-attr]


class ScopedAdminMixin:
    """The admin reads through the same ``visible_to`` policy as every view: HQ edits, other staff read
    what is in their scope, and nobody else gets in."""

    hq_can_edit = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        # Reference tables (years, size thresholds) are not tenant-owned and have no policy.
        return qs.visible_to(request.user) if hasattr(qs, "visible_to") else qs

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or user.role in STAFF_ROLES))  # type: ignore[union-attr]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.hq_can_edit and _is_hq(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.hq_can_edit and _is_hq(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.hq_can_edit and _is_hq(request)


class ScopedImportExportMixin(ImportExportMixin):
    """Export what the user may see (the admin queryset is scoped); only HQ imports reference data."""

    def has_import_permission(self, request: HttpRequest) -> bool:
        return _is_hq(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)  # type: ignore[attr-defined,no-any-return]

    def get_export_queryset(self, request: HttpRequest) -> Any:
        return self.get_queryset(request)  # type: ignore[attr-defined]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "get_full_name", "role", "organisation_name", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    raw_id_fields = ["org_unit", "certification_body", "enterprise"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("组织与角色"), {"fields": ("role", "org_unit", "certification_body", "enterprise", "phone")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("org_unit", "certification_body", "enterprise")


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr", "source"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "object_repr", "source"]
    hq_can_edit = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request).select_related("actor")
        return qs if _is_hq(request) else qs.none()
