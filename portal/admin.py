from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from .audit import audit_bulk, audit_record
from .models import AuditAction, AuditEvent, User
from .roles import STAFF_ROLES, Role

admin.site.site_header = _("小微企业质量管理体系认证提升行动 管理后台")
admin.site.site_title = _("提升行动管理后台")
admin.site.index_title = _("数据管理")

if TYPE_CHECKING:
    from .models import User


def _is_hq(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or user.role == Role.HQ))  # type: ignore[union-attr]


ADMIN_SOURCE = "admin"
# Never copied into the audit trail, whatever form they come from.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "code_hash", "key"})


def _audit_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return [_audit_value(v) for v in value]
    return str(value)


def form_changes(form: Any) -> dict[str, Any]:
    """The fields an admin form changed, with their new values (secrets left out)."""
    cleaned = getattr(form, "cleaned_data", {}) or {}
    return {name: _audit_value(cleaned.get(name)) for name in form.changed_data if name not in SECRET_FIELDS}



def _actor(request: HttpRequest) -> User:
    """The admin is for signed-in staff only: its user is a :class:`User`."""
    return cast("User", request.user)


class ScopedAdminMixin:
    """The admin reads through the same ``visible_to`` policy as every view: HQ edits, other staff read
    what is in their scope, and nobody else gets in. Every save and delete made here writes the same
    ``portal.audit`` events as the portal's own screens (source ``admin``), beside Django's ``LogEntry``."""

    hq_can_edit = True

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        audit_record(actor=_actor(request), action=AuditAction.UPDATE if change else AuditAction.CREATE, obj=obj,
                     source=ADMIN_SOURCE, changes=form_changes(form))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Captured before the save: a deleted row has no primary key afterwards.
        deleted: list[tuple[Any, str, dict[str, Any]]] = [
            (f.instance.pk, str(f.instance), {}) for f in formset.deleted_forms if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in formset.new_objects:
            audit_record(actor=_actor(request), action=AuditAction.CREATE, obj=obj, source=ADMIN_SOURCE,
                         changes={"parent": str(form.instance.pk)})
        for obj, fields in formset.changed_objects:
            audit_record(actor=_actor(request), action=AuditAction.UPDATE, obj=obj, source=ADMIN_SOURCE,
                         changes={name: _audit_value(getattr(obj, name, None)) for name in fields
                                  if name not in SECRET_FIELDS})
        if deleted:
            audit_bulk(actor=_actor(request), action=AuditAction.DELETE, model=formset.model, entries=deleted,
                       source=ADMIN_SOURCE)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called by the delete view and the "delete selected" action just before the rows go.
        objects = list(queryset)
        if objects:
            audit_bulk(actor=_actor(request), action=AuditAction.DELETE, model=type(objects[0]),
                       entries=[(obj.pk, str(obj), {}) for obj in objects], source=ADMIN_SOURCE)
        return super().log_deletions(request, objects)  # type: ignore[misc]

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

    def generate_log_entries(self, result: Any, request: HttpRequest) -> None:
        """An admin import is audited row by row like an upload: created, updated and deleted rows."""
        super().generate_log_entries(result, request)
        actions: dict[str, str] = {"new": AuditAction.CREATE, "update": AuditAction.UPDATE,
                                   "delete": AuditAction.DELETE}
        by_action: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {}
        for row in result:
            if row.import_type not in actions or row.object_id is None:
                continue
            by_action.setdefault(actions[row.import_type], []).append(
                (row.object_id, row.object_repr or "", {"import": True}))
        model = self.model  # type: ignore[attr-defined]
        for action, entries in by_action.items():
            audit_bulk(actor=_actor(request), action=action, model=model, entries=entries,
                       source=f"{ADMIN_SOURCE}:import")


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

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.filter(pk=id).first()
            if user is not None:
                audit_record(actor=_actor(request), action=AuditAction.UPDATE, obj=user, source=ADMIN_SOURCE,
                             changes={"password": "reset"})
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr", "source"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "object_repr", "source"]
    hq_can_edit = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request).select_related("actor")
        return qs if _is_hq(request) else qs.none()
