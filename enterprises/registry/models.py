"""The enterprise registry: enterprises (USCC, NBS size class), the size table and the discrepancies CBs report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet
from programme.models import OrgUnit, OrgUnitLevel

from .uscc import normalise_uscc, validate_uscc

if TYPE_CHECKING:
    from portal.models import User


class Industry(models.TextChoices):
    """Industry groups of the NBS 2017 size classification (统计上大中小微型企业划分办法(2017))."""

    AGRICULTURE = "agriculture", _("农、林、牧、渔业")
    MANUFACTURING = "industry", _("工业")
    CONSTRUCTION = "construction", _("建筑业")
    WHOLESALE = "wholesale", _("批发业")
    RETAIL = "retail", _("零售业")
    TRANSPORT = "transport", _("交通运输业")
    WAREHOUSING = "warehousing", _("仓储业")
    POSTAL = "postal", _("邮政业")
    ACCOMMODATION = "accommodation", _("住宿业")
    CATERING = "catering", _("餐饮业")
    TELECOM = "telecom", _("信息传输业")
    SOFTWARE = "software", _("软件和信息技术服务业")
    REAL_ESTATE = "real_estate", _("房地产开发经营")
    PROPERTY_MANAGEMENT = "property_mgmt", _("物业管理")
    LEASING = "leasing", _("租赁和商务服务业")
    OTHER = "other", _("其他未列明行业")


class SizeClass(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")
    UNKNOWN = "unknown", _("未知")


class SizeThreshold(models.Model):
    """One row of the NBS 2017 table: the lower bounds an enterprise must *all* reach to be of this size.

    Large, medium and small need every listed bound; anything below "small" is micro — which is exactly
    the NBS rule "大型、中型和小型企业须同时满足所列指标的下限，否则下划一档". Loaded from
    ``fixtures/size_thresholds.json`` by ``load_reference_data``.
    """

    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices)
    size_class = models.CharField(_("规模"), max_length=16, choices=SizeClass.choices)
    min_employees = models.PositiveIntegerField(_("从业人员下限（人）"), null=True, blank=True)
    min_revenue = models.DecimalField(_("营业收入下限（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    min_assets = models.DecimalField(_("资产总额下限（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("企业规模划分标准")
        verbose_name_plural = _("企业规模划分标准")
        ordering = ["industry", "size_class"]
        constraints = [models.UniqueConstraint(fields=["industry", "size_class"], name="size_threshold_unique")]

    def __str__(self) -> str:
        return f"{self.get_industry_display()} {self.get_size_class_display()}"


class MaturityLevel(models.TextChoices):
    """Quality-management maturity (the Tianjin group standard), lowest first: one definition for the ledger's
    before/after (stored as the code) and the questionnaire's (stored as the rank, 1–4)."""

    INITIAL = "initial", _("初步系统")
    EFFECTIVE = "effective", _("有效系统")
    IMPROVING = "improving", _("持续改进")
    LEADING = "leading", _("领先型")

    @classmethod
    def ranked_choices(cls) -> list[tuple[int, Any]]:
        """(rank, label) with rank 1 for the lowest level, for answers stored as numbers."""
        return [(rank, label) for rank, (_code, label) in enumerate(cls.choices, start=1)]


class EnterpriseQuerySet(ScopedQuerySet["Enterprise"]):
    def for_unit_staff(self, user: User) -> EnterpriseQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(district__path__startswith=user.org_unit.path)

    def for_certification_body(self, user: User) -> EnterpriseQuerySet:
        # A CB sees the enterprises it has assisted: those on its assistance ledger (a semi-join, so no
        # DISTINCT over the join and the queryset stays free to be annotated, ordered and counted).
        if user.certification_body_id is None:
            return self.none()
        # The ledger room builds on the registry; its model is looked up, not imported.
        ledger_record = self.model._meta.apps.get_model("enterprises", "LedgerRecord")
        assisted = ledger_record.objects.filter(
            enterprise_id=models.OuterRef("pk"), certification_body_id=user.certification_body_id
        )
        return self.filter(models.Exists(assisted))

    def for_enterprise(self, user: User) -> EnterpriseQuerySet:
        if user.enterprise_id is None:
            return self.none()
        return self.filter(pk=user.enterprise_id)


class Enterprise(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("企业名称"), max_length=128)
    district = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在区县"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": OrgUnitLevel.DISTRICT},
        db_index=False,  # the (district, size_class) index leads with it
    )
    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices, default=Industry.MANUFACTURING)
    employees = models.PositiveIntegerField(_("从业人员（人）"), null=True, blank=True)
    revenue = models.DecimalField(_("营业收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    assets = models.DecimalField(_("资产总额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    size_class = models.CharField(
        _("企业规模"), max_length=16, choices=SizeClass.choices, default=SizeClass.UNKNOWN, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["uscc"]
        indexes = [models.Index(fields=["district", "size_class"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue__gte=0) | Q(revenue__isnull=True), name="enterprise_revenue_gte_0"
            ),
            models.CheckConstraint(condition=Q(assets__gte=0) | Q(assets__isnull=True), name="enterprise_assets_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    def clean_fields(self, exclude: Any = None) -> None:
        # The code as the one USCC rule stores it (full-width → ASCII, no spaces, upper case), before the
        # field's validator (the same rule) and the uniqueness check look at it.
        self.uscc = normalise_uscc(self.uscc)
        super().clean_fields(exclude=exclude)

    @property
    def is_small_or_micro(self) -> bool:
        return self.size_class in {SizeClass.SMALL, SizeClass.MICRO}


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已采纳填报值")
    REJECTED = "rejected", _("保留登记值")


class DiscrepancyField(models.TextChoices):
    NAME = "name", _("企业名称")
    DISTRICT = "district", _("所在区县")
    SIZE_CLASS = "size_class", _("企业规模")


class EnterpriseDiscrepancyQuerySet(ScopedQuerySet["EnterpriseDiscrepancy"]):
    def for_unit_staff(self, user: User) -> EnterpriseDiscrepancyQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(enterprise__district__path__startswith=user.org_unit.path)

    def for_certification_body(self, user: User) -> EnterpriseDiscrepancyQuerySet:
        return self.filter(reported_by_id=user.certification_body_id)


class EnterpriseDiscrepancy(models.Model):
    """A CB reported an enterprise's name, district or size differently from the registry (which another
    CB's report shaped). The registry is left as it is until the district settles the difference."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="discrepancies"
    )
    field = models.CharField(_("字段"), max_length=16, choices=DiscrepancyField.choices)
    registry_value = models.CharField(_("登记值"), max_length=128)
    reported_value = models.CharField(_("填报值"), max_length=128)
    reported_by = models.ForeignKey(
        "programme.CertificationBody", verbose_name=_("填报机构"), on_delete=models.CASCADE, related_name="+"
    )
    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    upload = models.ForeignKey(
        "enterprises.LedgerUpload",
        verbose_name=_("来源上传"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=255, blank=True)

    objects = EnterpriseDiscrepancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业信息差异")
        verbose_name_plural = _("企业信息差异")
        ordering = ["status", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "field", "reported_by", "reported_value"],
                condition=Q(status="open"),
                name="discrepancy_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.get_field_display()}: {self.registry_value} ≠ {self.reported_value}"
