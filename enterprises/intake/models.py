"""Stored answers of the batch APIs, by ``Idempotency-Key`` (see ``enterprises.intake.idempotency``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """The first successful answer to a batch POST carrying an ``Idempotency-Key``: a retry with the same key
    (same user, same endpoint) gets it again instead of running the batch a second time. Kept for
    ``IDEMPOTENCY_TTL`` (24 hours); older rows are ignored and purged when new ones are written."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=255)
    path = models.CharField(_("接口路径"), max_length=255)
    request_sha256 = models.CharField(_("请求摘要（SHA-256）"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态码"))
    # The JSON text as first answered (a jsonb column would reorder its keys; the replay answers the same text).
    response_body = models.TextField(_("响应内容（JSON）"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="idempotent_request_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self) -> str:
        return f"{self.path} {self.key}"


class HeaderMapping(models.Model):
    """A CB's answer in the mapping step of an upload: its files' header ``header`` (normalised) is the
    column ``key`` of that kind of upload. Applied to the CB's next files of the kind without asking again."""

    certification_body = models.ForeignKey(
        "programme.CertificationBody", verbose_name=_("认证机构"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("上传类型"), max_length=16)  # "ledger" | "training"
    header = models.CharField(_("文件中的表头"), max_length=200)
    key = models.CharField(_("对应的列"), max_length=64)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("表头对应关系")
        verbose_name_plural = _("表头对应关系")
        constraints = [
            models.UniqueConstraint(fields=["certification_body", "kind", "header"], name="header_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.header} → {self.key}"
