from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role
from .scoping import ScopedQuerySet


class UserQuerySet(ScopedQuerySet["User"]):
    def for_unit_staff(self, user: User) -> UserQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(org_unit__path__startswith=user.org_unit.path)

    def for_expert(self, user: User) -> UserQuerySet:
        return self.filter(pk=user.pk)

    def for_certification_body(self, user: User) -> UserQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)

    def for_enterprise(self, user: User) -> UserQuerySet:
        return self.filter(enterprise_id=user.enterprise_id or -1)


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A portal account: one organisation (a unit, a CB or an enterprise) with one role there."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, blank=True)
    org_unit = models.ForeignKey(
        "programme.OrgUnit",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    certification_body = models.ForeignKey(
        "programme.CertificationBody",
        verbose_name=_("所属认证机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)

    objects = ScopedUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_one_organisation_matching_role",
                condition=(
                    Q(role="")
                    | (
                        Q(role__in=[Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.EXPERT])
                        & Q(org_unit__isnull=False, certification_body__isnull=True, enterprise__isnull=True)
                    )
                    | (
                        Q(role=Role.CB)
                        & Q(org_unit__isnull=True, certification_body__isnull=False, enterprise__isnull=True)
                    )
                    | (
                        Q(role=Role.ENTERPRISE)
                        & Q(org_unit__isnull=True, certification_body__isnull=True, enterprise__isnull=False)
                    )
                ),
            )
        ]

    def clean(self) -> None:
        super().clean()
        # The org unit's level values (programme.OrgUnitLevel), read through the field: the portal imports no
        # feature app.
        expected_level = {Role.HQ: "country", Role.PROVINCE: "province", Role.DISTRICT: "district"}.get(
            self.role)  # type: ignore[call-overload]
        if expected_level and self.org_unit and self.org_unit.level != expected_level:
            levels = dict(self.org_unit._meta.get_field("level").flatchoices)  # type: ignore[union-attr]
            raise ValidationError(
                {"org_unit": _("角色“%(role)s”应属于%(level)s单位。")
                 % {"role": self.get_role_display(), "level": levels[expected_level]}}
            )

    @property
    def is_unit_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def organisation(self) -> Any:
        return self.org_unit or self.certification_body or self.enterprise

    @property
    def organisation_name(self) -> str:
        org = self.organisation
        if org is None:
            return ""
        return str(getattr(org, "full_name", None) or getattr(org, "name", ""))


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    EXPORT = "export", _("导出")
    OTHER = "other", _("其他")


class AuditEvent(models.Model):
    """Who changed what, when, and through which upload, API call or screen."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # No database constraint: the trail is written in bulk (one event per row of an upload) and a per-row foreign
    # key check on the same user doubled the cost of writing it; Django still applies SET_NULL on deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)  # indexed with object_type (Meta.indexes)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True, help_text=_("例如 upload:12、api、web"))
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_type}#{self.object_id}"


class NotificationQuerySet(ScopedQuerySet["Notification"]):
    """Notifications are personal: everyone, HQ included, sees only their own."""

    def visible_to(self, user: User) -> NotificationQuerySet:
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message (reminders, returned submissions, finished jobs); also sent by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32, default="info")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class ReminderDispatch(models.Model):
    """One reminder sent for one deadline to one user at one lead time: makes reminders idempotent."""

    deadline = models.ForeignKey("programme.Deadline", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("截止提醒记录")
        verbose_name_plural = _("截止提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "recipient", "days_before"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} → {self.recipient_id} ({self.days_before}d)"


class Heartbeat(models.Model):
    """When a background process last showed it works (portal/health.py): ``worker`` is when a worker last ran
    the heartbeat task, ``beat`` when beat last sent it. In the database, not the cache, so a Redis restart or
    an evicted key does not make a healthy worker look dead."""

    name = models.CharField(_("进程"), max_length=16, primary_key=True)
    seen_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("进程心跳")
        verbose_name_plural = _("进程心跳")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
