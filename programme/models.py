from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.models import User

COUNTRY_CODE = "000000"
XPCC_CODE = "660000"


class OrgUnitLevel(models.TextChoices):
    COUNTRY = "country", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("地市级")
    DISTRICT = "district", _("区县级")


class OrgUnitQuerySet(ScopedQuerySet["OrgUnit"]):
    def subtree(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def for_unit_staff(self, user: User) -> OrgUnitQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.subtree(user.org_unit)

    def for_expert(self, user: User) -> OrgUnitQuerySet:
        # An expert sees the units assigned to them for scoring (see assessments) and their own unit.
        if user.org_unit_id is None:
            return self.none()
        return self.filter(pk=user.org_unit_id)

    def for_certification_body(self, user: User) -> OrgUnitQuerySet:
        # CBs work nationwide: the division list is the public GB/T 2260 reference they file against.
        return self.all()

    def for_enterprise(self, user: User) -> OrgUnitQuerySet:
        if user.enterprise is None:
            return self.none()
        return self.filter(pk__in=user.enterprise.district.ancestor_ids())


# Longest first: "广西壮族自治区" → "广西", "香港特别行政区" → "香港", "河北省" → "河北", "上海市" → "上海".
PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


class OrgUnit(models.Model):
    """A node of the administrative hierarchy: HQ (the country), provincial units, cities, districts.

    ``path`` is the chain of codes from the country down, each followed by "/", so a unit's subtree is
    one indexed prefix match.
    """

    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    full_name = models.CharField(_("全称"), max_length=128)
    level = models.CharField(_("层级"), max_length=16, choices=OrgUnitLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=64, db_index=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "code"]),
            models.Index(fields=["parent", "code"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def short_name(self) -> str:
        """How documents name a provincial unit in running text (seed 000: "浙江、江苏、河北", "内蒙古", "广西",
        "新疆生产建设兵团"); other units keep their full name."""
        if self.level != OrgUnitLevel.PROVINCE:
            return self.name
        for suffix in PROVINCE_SUFFIXES:
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name

    def ancestor_ids(self) -> list[int]:
        codes = [c for c in self.path.split("/") if c]
        return list(OrgUnit.objects.filter(code__in=codes).values_list("pk", flat=True))

    @property
    def province_code(self) -> str | None:
        codes = [c for c in self.path.split("/") if c]
        return codes[1] if len(codes) > 1 else None

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


class CertificationBodyStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")


CNCA_APPROVAL_RE = re.compile(r"^CNCA-[A-Z]{1,2}-\d{4}-\d{3,4}$")


def validate_cnca_approval_number(value: str) -> None:
    if not CNCA_APPROVAL_RE.match(value or ""):
        raise ValidationError(
            _("认证机构批准号格式应为 CNCA-R-2002-001（CNCA-类别-年份-序号），收到“%(value)s”。"),
            params={"value": value},
            code="cnca_format",
        )


class CertificationBodyQuerySet(ScopedQuerySet["CertificationBody"]):
    def for_unit_staff(self, user: User) -> CertificationBodyQuerySet:
        # The CNCA registry is public and CBs work across provinces: staff see the whole registry
        # (read-only); what a CB *did* in their area is scoped on the ledger records.
        return self.all()

    def for_expert(self, user: User) -> CertificationBodyQuerySet:
        return self.all()

    def for_certification_body(self, user: User) -> CertificationBodyQuerySet:
        return self.filter(pk=user.certification_body_id or 0)


class CertificationBody(models.Model):
    approval_number = models.CharField(
        _("批准号"), max_length=24, unique=True, validators=[validate_cnca_approval_number]
    )
    name = models.CharField(_("机构名称"), max_length=128)
    status = models.CharField(
        _("状态"), max_length=16, choices=CertificationBodyStatus.choices, default=CertificationBodyStatus.ACTIVE
    )
    province = models.ForeignKey(
        OrgUnit,
        verbose_name=_("注册地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_cbs",
        limit_choices_to={"level": OrgUnitLevel.PROVINCE},
    )

    objects = CertificationBodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("认证机构")
        verbose_name_plural = _("认证机构")
        ordering = ["approval_number"]

    def __str__(self) -> str:
        return f"{self.name}（{self.approval_number}）"


FIRST_PROGRAMME_YEAR = 2020  # the action began in 2020: programme years, pilots and trends start there


def programme_years_to_date() -> list[int]:
    """The programme years from the first to the current calendar year that the reference data holds."""
    return list(ProgrammeYear.objects.filter(year__gte=FIRST_PROGRAMME_YEAR, year__lte=timezone.localdate().year)
                .order_by("year").values_list("year", flat=True))


class ProgrammeYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    title = models.CharField(_("名称"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("行动年度")
        verbose_name_plural = _("行动年度")
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(year__gte=FIRST_PROGRAMME_YEAR),
                                             name="programme_year_from_2020")]

    def __str__(self) -> str:
        return self.title or f"{self.year}年提升行动"

    def current_phase(self, at: dt.datetime | None = None) -> Phase | None:
        today = timezone.localdate(at) if at else timezone.localdate()
        return self.phases.filter(starts_on__lte=today, ends_on__gte=today).first()

    def next_deadline(self, at: dt.datetime | None = None) -> Deadline | None:
        return self.deadlines.filter(due_at__gte=at or timezone.now()).order_by("due_at").first()


class PhaseKind(models.TextChoices):
    DEPLOYMENT = "deployment", _("行动部署")
    ASSISTANCE = "assistance", _("帮扶提升")
    EVALUATION = "evaluation", _("总结评估")


class Phase(models.Model):
    programme_year = models.ForeignKey(
        ProgrammeYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="phases"
    )
    kind = models.CharField(_("阶段"), max_length=16, choices=PhaseKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["programme_year", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "kind"], name="phase_unique_per_year"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="phase_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.get_kind_display()}"


class DeadlineKind(models.TextChoices):
    LEDGER = "ledger", _("帮扶台账报送")
    TRAINING = "training", _("培训台账报送")
    QUESTIONNAIRE = "questionnaire", _("企业调查问卷")
    SELF_ASSESSMENT = "self_assessment", _("自评材料报送")
    PILOT_REPORT = "pilot_report", _("区域试点评估报告及统计表")
    EXPERT_SCORING = "expert_scoring", _("专家评分")


class Deadline(models.Model):
    programme_year = models.ForeignKey(
        ProgrammeYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="deadlines"
    )
    kind = models.CharField(_("事项"), max_length=32, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(_("截止时间"))

    class Meta:
        verbose_name = _("截止时间")
        verbose_name_plural = _("截止时间")
        ordering = ["programme_year", "due_at"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "kind"], name="deadline_unique_per_year_kind")
        ]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.get_kind_display()}"


class DeadlineExceptionQuerySet(ScopedQuerySet["DeadlineException"]):
    def for_unit_staff(self, user: User) -> DeadlineExceptionQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(
            Q(org_unit__path__startswith=user.org_unit.path) | Q(granted_by_unit__path__startswith=user.org_unit.path)
        )

    def for_certification_body(self, user: User) -> DeadlineExceptionQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)


class DeadlineException(models.Model):
    """A dated exception to a deadline lock, granted by the level above to one unit or one CB."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("截止事项"), on_delete=models.CASCADE, related_name="exceptions"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    certification_body = models.ForeignKey(
        CertificationBody, verbose_name=_("认证机构"), null=True, blank=True, on_delete=models.CASCADE
    )
    granted_by_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("批准单位"), on_delete=models.PROTECT, related_name="granted_exceptions"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    open_until = models.DateTimeField(_("延期至"))
    reason = models.CharField(_("理由"), max_length=255)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = DeadlineExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("截止例外")
        verbose_name_plural = _("截止例外")
        constraints = [
            models.CheckConstraint(
                condition=(Q(org_unit__isnull=False) & Q(certification_body__isnull=True))
                | (Q(org_unit__isnull=True) & Q(certification_body__isnull=False)),
                name="deadline_exception_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = self.org_unit or self.certification_body
        return f"{self.deadline} → {subject}"


# ---- Pilot regions (区域试点): registry, annex-3 statistics, annex-2 report --------------------------------

class PilotRegionQuerySet(ScopedQuerySet["PilotRegion"]):
    """A pilot is seen by the staff of its province (and anyone above it) and of its own districts.

    Other districts of the same province see nothing: a pilot's figures are the business of the units
    that run it and of the province that accepts them.
    """

    def for_unit_staff(self, user: User) -> PilotRegionQuerySet:
        if user.org_unit is None:
            return self.none()
        prefix = user.org_unit.path
        in_own_districts = PilotRegion.districts.through.objects.filter(
            orgunit__path__startswith=prefix
        ).values("pilotregion_id")
        return self.filter(Q(province__path__startswith=prefix) | Q(pk__in=in_own_districts))

    def active_in(self, year: int) -> PilotRegionQuerySet:
        return self.filter(Q(start_year__lte=year) & (Q(end_year__isnull=True) | Q(end_year__gte=year)))


class PilotRegion(models.Model):
    """An industry cluster pilot (区域试点) spanning one or more districts of one province."""

    name = models.CharField(_("试点名称"), max_length=128)
    industry = models.CharField(_("试点产业名称"), max_length=64)
    batch = models.PositiveSmallIntegerField(_("批次"), default=1)
    province = models.ForeignKey(
        OrgUnit, verbose_name=_("所属省份"), on_delete=models.PROTECT, related_name="province_pilots",
        limit_choices_to={"level": OrgUnitLevel.PROVINCE},
    )
    districts = models.ManyToManyField(
        OrgUnit, verbose_name=_("试点区县"), related_name="pilot_regions",
        limit_choices_to={"level": OrgUnitLevel.DISTRICT},
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("结束年度"), null=True, blank=True,
                                                help_text=_("留空表示仍在进行。"))

    objects = PilotRegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域试点")
        verbose_name_plural = _("区域试点")
        ordering = ["province__code", "batch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="pilot_name_unique_in_province"),
            models.CheckConstraint(condition=Q(batch__gte=1), name="pilot_batch_gte_1"),
            models.CheckConstraint(condition=Q(start_year__gte=2020), name="pilot_start_from_2020"),
            models.CheckConstraint(condition=Q(end_year__isnull=True) | Q(end_year__gte=models.F("start_year")),
                                   name="pilot_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_year is not None and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("结束年度不能早于起始年度。")})

    def is_active_in(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or self.end_year >= year)

    @property
    def years_label(self) -> str:
        return f"{self.start_year}—{self.end_year or ''}"


class PilotFilingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


EDITABLE_FILING_STATUSES = frozenset({PilotFilingStatus.DRAFT, PilotFilingStatus.RETURNED})


class PilotFilingQuerySet(ScopedQuerySet["PilotFiling"]):
    def for_unit_staff(self, user: User) -> PilotFilingQuerySet:
        return self.filter(pilot__in=PilotRegion.objects.for_unit_staff(user).values("pk"))


class PilotFiling(models.Model):
    """One pilot's yearly submission: the annex-2 report (these text fields) and the annex-3 sheet
    (``statistics``), submitted together by the pilot's districts and accepted or returned by the province."""

    pilot = models.ForeignKey(PilotRegion, verbose_name=_("区域试点"), on_delete=models.CASCADE,
                              related_name="filings")
    programme_year = models.ForeignKey(ProgrammeYear, verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="pilot_filings")
    status = models.CharField(_("状态"), max_length=16, choices=PilotFilingStatus.choices,
                              default=PilotFilingStatus.DRAFT)
    is_late = models.BooleanField(_("逾期提交"), default=False)
    # Annex 2: one text per leaf of programme.annex2.OUTLINE.
    background_industry = models.TextField(_("试点区域产业基本情况"), blank=True)
    background_needs = models.TextField(_("区域产业质量提升主要需求分析"), blank=True)
    background_pain_points = models.TextField(_("区域产业共性质量“痛点”梳理"), blank=True)
    measures = models.TextField(_("工作举措"), blank=True)
    results = models.TextField(_("试点成效"), blank=True)
    experience_highlights = models.TextField(_("工作亮点"), blank=True)
    experience_models = models.TextField(_("帮扶模式"), blank=True)
    experience_typical = models.TextField(_("典型经验"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步工作计划及建议"), blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_comment = models.TextField(_("审核意见"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PilotFilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域试点报送")
        verbose_name_plural = _("区域试点报送")
        ordering = ["-programme_year", "pilot"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "programme_year"], name="pilot_filing_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.pilot} {self.programme_year_id}"

    @property
    def is_editable_status(self) -> bool:
        return self.status in EDITABLE_FILING_STATUSES


# Validators of the annex-3 amounts and rates (the fields are written out in PilotStatistics; a test checks them
# against programme.annex3, which defines the sheet).
_NOT_NEGATIVE = MinValueValidator(0, message=_("不能为负数。"))
_PERCENT = [
    MinValueValidator(0, message=_("百分比应在 0 到 100 之间。")),
    MaxValueValidator(100, message=_("百分比应在 0 到 100 之间。")),
]


def _annex3_constraints() -> list[models.BaseConstraint]:
    from . import annex3

    out: list[models.BaseConstraint] = []
    for smaller, larger in annex3.COUNT_RULES:
        out.append(models.CheckConstraint(condition=Q(**{f"{smaller}__lte": models.F(larger)}),
                                          name=f"pilot_stats_{smaller}_le_{larger}"[:60]))
    for name in annex3.percent_fields():
        out.append(models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | (Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": 100})),
            name=f"pilot_stats_{name}_0_100"[:60]))
    for name in annex3.amount_fields():
        out.append(models.CheckConstraint(condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                                          name=f"pilot_stats_{name}_gte_0"[:60]))
    for pair in annex3.ALL_PAIRS:
        out.append(models.CheckConstraint(
            condition=Q(**{f"{pair.before}__isnull": True}, **{f"{pair.after}__isnull": True})
            | Q(**{f"{pair.before}__isnull": False}, **{f"{pair.after}__isnull": False}),
            name=f"pilot_stats_{pair.key}_pair"[:60]))
    return out


class PilotStatisticsQuerySet(ScopedQuerySet["PilotStatistics"]):
    def for_unit_staff(self, user: User) -> PilotStatisticsQuerySet:
        return self.filter(filing__pilot__in=PilotRegion.objects.for_unit_staff(user).values("pk"))


class PilotStatistics(models.Model):
    """The annex-3 sheet (区域试点工作统计表) of one filing. Fields and rules come from ``programme.annex3``;
    the database holds the rules it can (ordering of counts, 0–100 %, non-negative amounts, complete pairs)."""

    filing = models.OneToOneField(PilotFiling, verbose_name=_("区域试点报送"), on_delete=models.CASCADE,
                                  related_name="statistics")
    # The counts of tables 1 and 2 (programme.annex3.count_fields).
    total_enterprises = models.PositiveIntegerField("区域小微企业总数（家）", default=0)
    participating_enterprises = models.PositiveIntegerField("参与提升行动区域试点的小微企业数量（家）", default=0)
    trained_enterprises = models.PositiveIntegerField("参与提升行动区域试点培训的小微企业数量（家）", default=0)
    assisted_enterprises = models.PositiveIntegerField("参与提升行动区域试点精准帮扶的小微企业数量（家）", default=0)
    leader_deployed_enterprises = models.PositiveIntegerField("“一把手”亲自部署提升行动的微企业数量（家）", default=0)
    qms_enterprises = models.PositiveIntegerField("参与提升行动建立质量管理体系的小微企业数量（家）", default=0)
    digital_qms_enterprises = models.PositiveIntegerField("建立数字化质量管理系统的小微企业数量（家）", default=0)
    pain_points_found = models.PositiveIntegerField("梳理发现质量管理共性“痛点”数量（个）", default=0)
    pain_points_solved = models.PositiveIntegerField("解决区域产业共性质量管理“痛点”问题（个）", default=0)
    talents_trained = models.PositiveIntegerField("通过提升行动区域试点培育企业质量管理人才数量（人）", default=0)
    high_tech_enterprises = models.PositiveIntegerField("参与“提升行动”区域试点获高新技术认定企业数量（家）", default=0)
    standard_compliant_enterprises = models.PositiveIntegerField("开展质量管理贯标达标小微企业数量（家）", default=0)
    quality_awards_national = models.PositiveIntegerField("试点产业获质量奖数量（个） · 国家级", default=0)
    quality_awards_provincial = models.PositiveIntegerField("试点产业获质量奖数量（个） · 省级", default=0)
    quality_awards_municipal = models.PositiveIntegerField("试点产业获质量奖数量（个） · 市级", default=0)
    quality_awards_county = models.PositiveIntegerField("试点产业获质量奖数量（个） · 县级", default=0)
    demo_zones_national = models.PositiveIntegerField("试点产业获示范区数量（个） · 国家级", default=0)
    demo_zones_provincial = models.PositiveIntegerField("试点产业获示范区数量（个） · 省级及以下", default=0)
    little_giants_national = models.PositiveIntegerField(
        "试点产业培育“专精特新小巨人”企业数量（家） · 国家级", default=0
    )
    little_giants_provincial = models.PositiveIntegerField(
        "试点产业培育“专精特新小巨人”企业数量（家） · 省级及以下", default=0
    )
    chain_pain_points_found = models.PositiveIntegerField("梳理发现产业链供应链“痛点”问题（个）", default=0)
    common_pain_points_solved = models.PositiveIntegerField(
        "通过“提升行动”区域试点解决区域产业共性质量管理“痛点”问题（个）", default=0
    )
    chain_leaders = models.PositiveIntegerField("“提升行动”区域试点中链主企业数量（家）", default=0)
    innovations_standards = models.PositiveIntegerField("帮扶技术创新数量（项/个） · 标准", default=0)
    innovations_systems = models.PositiveIntegerField("帮扶技术创新数量（项/个） · 制度", default=0)
    innovations_rules = models.PositiveIntegerField("帮扶技术创新数量（项/个） · 规则", default=0)
    innovations_plans = models.PositiveIntegerField("帮扶技术创新数量（项/个） · 方案", default=0)
    maturity_outputs_guides = models.PositiveIntegerField("帮扶成熟度表征数量（项/个） · 形成帮扶工作指南", default=0)
    maturity_outputs_cases = models.PositiveIntegerField("帮扶成熟度表征数量（项/个） · 典型案例", default=0)
    maturity_outputs_methods = models.PositiveIntegerField("帮扶成熟度表征数量（项/个） · 工作法", default=0)
    participants_cbs = models.PositiveIntegerField("相关方参与数量（个/人） · 认证机构", default=0)
    participants_parks = models.PositiveIntegerField("相关方参与数量（个/人） · 产业/工业园区", default=0)
    participants_associations = models.PositiveIntegerField("相关方参与数量（个/人） · 学协会", default=0)
    participants_alliances = models.PositiveIntegerField("相关方参与数量（个/人） · 联盟", default=0)
    participants_experts = models.PositiveIntegerField("相关方参与数量（个/人） · 专家", default=0)
    incentive_policies = models.PositiveIntegerField("扶持激励政策（项）", default=0)
    # Amounts in 万元 (programme.annex3.amount_fields); the before/after pairs may be left empty.
    matching_funds = models.DecimalField(
        "配套资金金额（万元）（万元）",
        max_digits=14, decimal_places=2, default=0, validators=[_NOT_NEGATIVE],
    )
    output_value_before = models.DecimalField(
        "区域产业产值变化（万元/亿元）（提升前）（万元）",
        max_digits=14, decimal_places=2, null=True, blank=True, default=None, validators=[_NOT_NEGATIVE],
    )
    output_value_after = models.DecimalField(
        "区域产业产值变化（万元/亿元）（提升后）（万元）",
        max_digits=14, decimal_places=2, null=True, blank=True, default=None, validators=[_NOT_NEGATIVE],
    )
    export_value_before = models.DecimalField(
        "区域产业出口产值变化（提升前）（万元）",
        max_digits=14, decimal_places=2, null=True, blank=True, default=None, validators=[_NOT_NEGATIVE],
    )
    export_value_after = models.DecimalField(
        "区域产业出口产值变化（提升后）（万元）",
        max_digits=14, decimal_places=2, null=True, blank=True, default=None, validators=[_NOT_NEGATIVE],
    )
    # Rates in % (programme.annex3.percent_fields).
    pass_rate_before = models.DecimalField(
        "产品合格率（提升前）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    pass_rate_after = models.DecimalField(
        "产品合格率（提升后）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    first_pass_rate_before = models.DecimalField(
        "一次合格率（提升前）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    first_pass_rate_after = models.DecimalField(
        "一次合格率（提升后）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    defect_rate_before = models.DecimalField(
        "残次品率（提升前）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    defect_rate_after = models.DecimalField(
        "残次品率（提升后）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    customer_satisfaction_before = models.DecimalField(
        "客户满意度（%）（提升前）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    customer_satisfaction_after = models.DecimalField(
        "客户满意度（%）（提升后）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    complaint_rate_before = models.DecimalField(
        "投诉率（%）（提升前）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    complaint_rate_after = models.DecimalField(
        "投诉率（%）（提升后）（%）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    market_share_before = models.DecimalField(
        "区域产业市场占有率（%）（提升前）（%）",
        max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    market_share_after = models.DecimalField(
        "区域产业市场占有率（%）（提升后）（%）",
        max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    gdp_share_before = models.DecimalField(
        "区域产业占GDP比重（%）（提升前）（%）",
        max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )
    gdp_share_after = models.DecimalField(
        "区域产业占GDP比重（%）（提升后）（%）",
        max_digits=5, decimal_places=2, null=True, blank=True, validators=_PERCENT
    )

    objects = PilotStatisticsQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域试点工作统计表")
        verbose_name_plural = _("区域试点工作统计表")
        constraints = _annex3_constraints()

    def __str__(self) -> str:
        return f"{self.filing} 统计表"

    def clean(self) -> None:
        from . import annex3

        errors: dict[str, list[str]] = {}
        for smaller, larger in annex3.COUNT_RULES:
            a, b = getattr(self, smaller), getattr(self, larger)
            if a is not None and b is not None and a > b:
                errors.setdefault(smaller, []).append(
                    str(_("“%(a)s”（%(va)s）不能大于“%(b)s”（%(vb)s）。"))
                    % {"a": annex3.label(smaller), "va": a, "b": annex3.label(larger), "vb": b})
        for pair in annex3.ALL_PAIRS:
            before, after = getattr(self, pair.before), getattr(self, pair.after)
            if (before is None) != (after is None):
                missing = pair.after if after is None else pair.before
                errors.setdefault(missing, []).append(
                    str(_("“%(label)s”须同时填写提升前和提升后，请补全。")) % {"label": pair.sub_label or pair.header})
        if errors:
            raise ValidationError(errors)


def pilot_attachment_path(instance: PilotAttachment, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"pilot_attachments/{instance.filing.programme_year_id}/{uuid.uuid4().hex}.{ext}"


class PilotAttachmentQuerySet(ScopedQuerySet["PilotAttachment"]):
    def for_unit_staff(self, user: User) -> PilotAttachmentQuerySet:
        return self.filter(filing__pilot__in=PilotRegion.objects.for_unit_staff(user).values("pk"))


class PilotAttachment(models.Model):
    """A supporting file of an annex-2 report section; served only through a scoped view."""

    filing = models.ForeignKey(PilotFiling, verbose_name=_("区域试点报送"), on_delete=models.CASCADE,
                               related_name="attachments")
    section = models.CharField(_("所属章节"), max_length=32)
    file = models.FileField(_("文件"), upload_to=pilot_attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = PilotAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域试点报告附件")
        verbose_name_plural = _("区域试点报告附件")
        ordering = ["filing", "section", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
