from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.admin import ScopedAdminMixin

from .models import ActivationCode, Question, QuestionnaireVersion, Reminder, Response

if TYPE_CHECKING:
    from portal.models import User


def _locked(obj: Any) -> bool:
    version = obj.version if isinstance(obj, Question) else obj
    return bool(version is not None and version.pk and version.has_answers)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "section", "key", "label", "kind", "unit", "min_value", "max_value", "required",
              "help_text", "measure", "change_mode", "plausible_change", "choices", "positive_choices"]
    ordering = ["order", "pk"]

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        user = cast("User", request.user)
        return bool(user.is_superuser or user.role == "hq") and not _locked(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """HQ edits a year's questions until the first enterprise answers; then the version is read-only."""

    list_display = ["programme_year", "title", "opens_at", "question_count", "locked"]
    inlines = [QuestionInline]

    @admin.display(description=_("题目数"))
    def question_count(self, obj: QuestionnaireVersion) -> int:
        return obj.questions.count()

    @admin.display(description=_("已有作答（锁定）"), boolean=True)
    def locked(self, obj: QuestionnaireVersion) -> bool:
        return obj.has_answers

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and _locked(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and _locked(obj))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        obj = self.get_object(request, object_id)
        if obj is not None and _locked(obj):
            messages.warning(request, _("该版本已有企业作答，题目已锁定，只能查看。"))
        elif obj is not None and obj.is_open:
            messages.warning(request, _("该版本已开放填写；在第一家企业作答前仍可修改，请谨慎操作。"))
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Response)
class ResponseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "enterprise", "status", "submitted_at", "is_late"]
    list_filter = ["programme_year", "status", "is_late"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    raw_id_fields = ["enterprise", "submitted_by"]
    list_select_related = ["enterprise"]
    hq_can_edit = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("enterprise")


@admin.register(ActivationCode)
class ActivationCodeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["enterprise", "created_at", "expires_at", "used_at", "revoked_at", "issued_by"]
    list_filter = ["used_at", "revoked_at"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    exclude = ["code_hash"]
    raw_id_fields = ["enterprise", "issued_by", "issued_by_cb"]
    hq_can_edit = False


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["programme_year", "enterprise", "sent_at", "sent_by", "emailed_to"]
    list_filter = ["programme_year"]
    raw_id_fields = ["enterprise", "sent_by"]
    hq_can_edit = False
