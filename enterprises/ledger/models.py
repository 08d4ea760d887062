"""The assistance ledger (帮扶台账): records, uploads and the staging rows of an upload."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet
from programme.models import OrgUnit

from ..registry.models import Enterprise, Industry, MaturityLevel, SizeClass

if TYPE_CHECKING:
    from portal.models import User


class AssistanceDimension(models.TextChoices):
    """帮扶维度 (one or more per record)."""

    QUALITY_MANAGEMENT = "quality_mgmt", _("质量管理")
    TECHNOLOGY = "technology", _("技术工艺")
    PRODUCT_QUALITY = "product_quality", _("产品质量")
    TALENT = "talent", _("人才队伍")


class AssistanceMode(models.TextChoices):
    """帮扶方式 (one or more per record)."""

    GENERAL_TRAINING = "general_training", _("普遍性培训")
    CUSTOM_TRAINING = "custom_training", _("一对一定制化培训")
    DIAGNOSIS = "diagnosis", _("把脉问诊/质量诊断")
    EXPERTS_ON_SITE = "experts_on_site", _("专家进企")
    IMPROVEMENT_PLAN = "improvement_plan", _("提升方案")
    FOLLOW_UP = "follow_up", _("持续跟踪")


class CertificationScheme(models.TextChoices):
    ISO9001 = "iso9001", _("ISO 9001质量管理体系")
    ISO14001 = "iso14001", _("ISO 14001环境管理体系")
    ISO45001 = "iso45001", _("ISO 45001职业健康安全管理体系")
    ISO22000 = "iso22000", _("ISO 22000食品安全管理体系")
    HACCP = "haccp", _("HACCP危害分析与关键控制点")
    OTHER = "other", _("其他")


class LedgerRecordQuerySet(ScopedQuerySet["LedgerRecord"]):
    def for_unit_staff(self, user: User) -> LedgerRecordQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(enterprise__district__path__startswith=user.org_unit.path)

    def for_certification_body(self, user: User) -> LedgerRecordQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)

    def for_enterprise(self, user: User) -> LedgerRecordQuerySet:
        if user.enterprise_id is None:
            return self.none()
        return self.filter(enterprise_id=user.enterprise_id)


class LedgerContent(models.Model):
    """What a CB reports for one enterprise in one year: the content of a ledger record, defined once for the
    stored record and for the staged row of an upload waiting for the user's decision. Its fields, in this
    order, are :data:`RECORD_FIELDS` (the staging COPY, the merge, the content hash and the change lists)."""

    reported_name = models.CharField(_("企业名称（填报）"), max_length=128)
    # What the CB reported, shown beside the record; lists filter on the enterprise's district, never on this,
    # so it has no index (an index costs every bulk upload and serves no query).
    reported_district = models.ForeignKey(
        OrgUnit, verbose_name=_("所在区县（填报）"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reported_industry = models.CharField(_("行业（填报）"), max_length=32, choices=Industry.choices)
    reported_employees = models.PositiveIntegerField(_("从业人员（人）"), null=True, blank=True)
    reported_revenue = models.DecimalField(
        _("营业收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reported_size_class = models.CharField(
        _("企业规模（按填报测算）"), max_length=16, choices=SizeClass.choices, default=SizeClass.UNKNOWN
    )
    # Multi-valued enumerations: canonical comma-joined codes (portable, filterable, COPY-friendly).
    dimensions = models.CharField(_("帮扶维度"), max_length=128)
    modes = models.CharField(_("帮扶方式"), max_length=160)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    experts_count = models.PositiveIntegerField(_("参与专家（人）"), default=0)
    problems_found = models.PositiveIntegerField(_("发现质量问题（个）"), default=0)
    problems_solved = models.PositiveIntegerField(_("解决质量问题（个）"), default=0)
    certification_fee = models.DecimalField(_("认证费用（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee_reduction = models.DecimalField(_("减免费用（元）"), max_digits=12, decimal_places=2, default=0)
    certified = models.BooleanField(_("是否获证"), default=False)
    certificate_number = models.CharField(_("证书编号"), max_length=64, blank=True)
    scheme = models.CharField(_("认证类别"), max_length=16, choices=CertificationScheme.choices, blank=True)
    maturity_before = models.CharField(_("帮扶前成熟度"), max_length=16, choices=MaturityLevel.choices, blank=True)
    maturity_after = models.CharField(_("帮扶后成熟度"), max_length=16, choices=MaturityLevel.choices, blank=True)
    pilot_region = models.CharField(_("试点区域"), max_length=64, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        abstract = True


class LedgerRecord(LedgerContent):
    """帮扶台账: one CB's assistance to one enterprise in one programme year (the natural key).

    The enterprise's details as the CB reported them are kept on the record (``reported_*``); the registry
    (:class:`Enterprise`) is only changed through the rules in ``enterprises.ledger.store``.
    """

    # No single-column indexes on these two: ledger_year_cb_ent_idx and the natural key lead with them.
    programme_year = models.ForeignKey(
        "programme.ProgrammeYear",
        verbose_name=_("年度"),
        on_delete=models.PROTECT,
        related_name="ledger_records",
        db_index=False,
    )
    certification_body = models.ForeignKey(
        "programme.CertificationBody",
        verbose_name=_("认证机构"),
        on_delete=models.PROTECT,
        related_name="ledger_records",
        db_index=False,
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="ledger_records"
    )
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=32, editable=False)
    source = models.CharField(_("来源"), max_length=32, blank=True)
    # Provenance only: uploads are kept as history and never deleted, nothing looks records up by it, and a
    # database constraint here would be checked 100,000 times per large upload (Django still applies SET_NULL).
    last_upload = models.ForeignKey(
        "LedgerUpload",
        verbose_name=_("最近一次上传"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LedgerRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶台账记录")
        verbose_name_plural = _("帮扶台账记录")
        ordering = ["programme_year", "certification_body", "enterprise"]
        indexes = [
            # enterprise last: "who was assisted in year Y" is an index-only scan (questionnaire progress,
            # dashboards), with no extra index for the ledger import to maintain.
            models.Index(fields=["programme_year", "certification_body", "enterprise"], name="ledger_year_cb_ent_idx"),
            models.Index(fields=["certificate_number"], condition=~Q(certificate_number=""),
                         name="ledger_certificate_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["certification_body", "enterprise", "programme_year"], name="ledger_natural_key"
            ),
            models.UniqueConstraint(
                fields=["programme_year", "scheme", "certificate_number"],
                condition=~Q(certificate_number=""),
                name="ledger_certificate_unique_per_scheme",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="ledger_end_after_start"),
            models.CheckConstraint(
                condition=Q(problems_solved__lte=models.F("problems_found")), name="ledger_solved_le_found"
            ),
            models.CheckConstraint(condition=Q(fee_reduction__gte=0), name="ledger_reduction_gte_0"),
            models.CheckConstraint(
                condition=Q(certification_fee__isnull=True) | Q(fee_reduction__lt=models.F("certification_fee")),
                name="ledger_no_free_certification",
            ),
            models.CheckConstraint(
                condition=Q(certified=False) | ~Q(certificate_number=""), name="ledger_certified_has_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.reported_name or self.enterprise_id}"

    @staticmethod
    def _labels(codes: str, choices: type[models.TextChoices]) -> list[str]:
        labels = dict(choices.choices)
        return [str(labels.get(code, code)) for code in codes.split(",") if code]

    @property
    def dimension_labels(self) -> list[str]:
        return self._labels(self.dimensions, AssistanceDimension)

    @property
    def mode_labels(self) -> list[str]:
        return self._labels(self.modes, AssistanceMode)


class UploadStatus(models.TextChoices):
    VALIDATING = "validating", _("校验中")
    MAPPING = "mapping", _("待匹配列")
    READY = "ready", _("待确认")
    COMMITTING = "committing", _("入库中")
    COMMITTED = "committed", _("已入库")
    DISCARDED = "discarded", _("已放弃")
    REJECTED = "rejected", _("文件被拒绝")
    FAILED = "failed", _("处理失败")


class LedgerUploadQuerySet(ScopedQuerySet["LedgerUpload"]):
    def for_certification_body(self, user: User) -> LedgerUploadQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)


class LedgerUpload(models.Model):
    """One uploaded ledger file and its outcome, kept as history."""

    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    certification_body = models.ForeignKey(
        "programme.CertificationBody",
        verbose_name=_("认证机构"),
        on_delete=models.PROTECT,
        related_name="ledger_uploads",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to="ledger_uploads/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("格式"), max_length=8, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.VALIDATING)
    message = models.TextField(_("说明"), blank=True)
    job = models.ForeignKey(
        "reporting.Job", verbose_name=_("校验任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commit_job = models.ForeignKey(
        "reporting.Job", verbose_name=_("入库任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("修改"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    failed_count = models.PositiveIntegerField(_("错误行"), default=0)
    warning_count = models.PositiveIntegerField(_("提示"), default=0)
    issues = models.JSONField(_("问题清单"), default=list, blank=True)
    # How the file's columns were found (enterprises.intake.mapping.header_state) and, once the user answered
    # the mapping step, the answers for this file ("answers": column key → position).
    header_map = models.JSONField(_("列匹配"), default=dict, blank=True)
    failed_file = models.FileField(_("错误行文件"), upload_to="ledger_uploads/failed/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    validated_at = models.DateTimeField(_("校验时间"), null=True, blank=True)  # when validation began
    committed_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.JSONField(_("入库结果"), default=dict, blank=True)

    objects = LedgerUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账上传")
        verbose_name_plural = _("台账上传")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["certification_body", "-created_at"], name="ledger_upload_cb_idx")]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def counts(self) -> dict[str, int]:
        """The validation's totals, as the job reports them."""
        return {
            "total": self.total_rows,
            "new": self.new_count,
            "changed": self.changed_count,
            "unchanged": self.unchanged_count,
            "failed": self.failed_count,
            "warnings": self.warning_count,
        }

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [i for i in self.issues if i.get("level") == "error"]

    @property
    def warnings_list(self) -> list[dict[str, Any]]:
        return [i for i in self.issues if i.get("level") == "warning"]


class StagedAction(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("修改")
    UNCHANGED = "unchanged", _("未变化")


class LedgerStagingRow(LedgerContent):
    """A validated row of an upload waiting for the user's decision (filled by COPY on PostgreSQL)."""

    # Indexed by ledger_staging_upload_idx (upload, row_number).
    upload = models.ForeignKey(LedgerUpload, on_delete=models.CASCADE, related_name="staged_rows", db_index=False)
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=StagedAction.choices)
    record_id = models.BigIntegerField(null=True)
    enterprise_id = models.BigIntegerField(null=True)
    uscc = models.CharField(max_length=18)
    enterprise_update = models.BooleanField(default=False)
    # The reported district as the file named it; no constraint or index on a table that only lives until the
    # user decides (the merge joins through the registry, and validation checked the code).
    reported_district = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    warnings = models.JSONField(default=list)
    changes = models.JSONField(default=dict)
    discrepancies = models.JSONField(default=list)
    enterprise_changes = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("待入库台账行")
        verbose_name_plural = _("待入库台账行")
        indexes = [models.Index(fields=["upload", "row_number"], name="ledger_staging_upload_idx")]

    def __str__(self) -> str:
        return f"{self.upload_id}#{self.row_number}"


# The record's content, in the content model's order, everywhere (staging rows, hashes, merges).
RECORD_FIELDS: list[str] = [f.attname for f in LedgerContent._meta.local_fields]


def content_hash(values: list[Any]) -> str:
    """A digest of a record's content (its :data:`RECORD_FIELDS` values; decimals quantized to cents)."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()
