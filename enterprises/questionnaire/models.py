"""The enterprises' year-end questionnaire (调查问卷).

The questions are data: one :class:`QuestionnaireVersion` per programme year holds its :class:`Question`
rows, which HQ edits in the admin until the first answer arrives. A question may feed one of the fixed
*measures* the aggregates know about (``Measure``); when a response is saved the service derives the
measure values into typed columns of :class:`Response`, so that every aggregate is a single
``GROUP BY`` over one narrow table. The raw answers stay in ``Response.answers`` keyed by question key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet

from ..registry.models import MaturityLevel

if TYPE_CHECKING:
    from portal.models import User


class Section(models.TextChoices):
    BUSINESS = "business", _("一、经营与质量指标（提升前/提升后）")
    MATURITY = "maturity", _("二、质量管理成熟度自评")
    RESULTS = "results", _("三、提升成效")
    SATISFACTION = "satisfaction", _("四、满意度评价")
    EFFECT = "effect", _("五、总体效果与负担")
    SUGGESTIONS = "suggestions", _("六、意见建议")


class QuestionKind(models.TextChoices):
    NUMBER = "number", _("数值")
    PAIR = "pair", _("提升前/提升后数值")
    MATURITY_PAIR = "maturity_pair", _("成熟度等级（提升前/提升后）")
    SATISFACTION = "satisfaction", _("满意度（五级）")
    EFFECT = "effect", _("效果（四级）")
    YES_NO = "yes_no", _("是/否")
    CHOICE = "choice", _("单选")
    TEXT = "text", _("文字")


class ChangeMode(models.TextChoices):
    RELATIVE = "relative", _("相对变化（%）")
    POINTS = "points", _("百分点变化")


class Measure(models.TextChoices):
    """What the aggregates compute from a question. A measure is fed by at most one question per version."""

    NONE = "", _("（不参与汇总）")
    REVENUE = "metric:revenue", _("年度营收")
    SALES = "metric:sales", _("年产品销售额")
    PROFIT_MARGIN = "metric:profit_margin", _("年利润率")
    QUALITY_COST = "metric:quality_cost", _("质量成本控制率")
    FIRST_PASS_YIELD = "metric:first_pass_yield", _("产品一次交验合格率")
    CONVERSION = "metric:conversion", _("产品转化率")
    DEFECT_RATE = "metric:defect_rate", _("产品不良率")
    CUSTOMER_SATISFACTION = "metric:customer_satisfaction", _("消费者满意度")
    COMPLAINT_RATE = "metric:complaint_rate", _("客户投诉率")
    MATURITY = "maturity", _("质量管理成熟度")
    SAT_TRAINING = "satisfaction:training", _("宣传培训满意度")
    SAT_CB_ABILITY = "satisfaction:cb_ability", _("认证机构专业能力满意度")
    SAT_CB_ATTITUDE = "satisfaction:cb_attitude", _("认证机构服务态度满意度")
    SAT_POLICY = "satisfaction:policy", _("激励引导政策满意度")
    SAT_FOLLOW_UP = "satisfaction:follow_up", _("持续跟踪满意度")
    EFFECT = "effect", _("总体效果")
    BURDEN = "burden", _("额外负担")
    RESULT_OPERATING = "result:operating", _("成效：经营绩效")
    RESULT_QUALITY = "result:quality", _("成效：产品和服务质量")
    RESULT_QM_LEVEL = "result:qm_level", _("成效：质量管理水平")
    RESULT_CREDIT_BRAND = "result:credit_brand", _("成效：信用和品牌")
    RESULT_DIGITAL = "result:digital", _("成效：数字化水平")
    RESULT_LASTING = "result:lasting", _("成效：持续性")


# Measure -> Response column holding its per-enterprise value.
METRIC_COLUMNS: dict[str, str] = {
    Measure.REVENUE: "chg_revenue",
    Measure.SALES: "chg_sales",
    Measure.PROFIT_MARGIN: "chg_profit_margin",
    Measure.QUALITY_COST: "chg_quality_cost",
    Measure.FIRST_PASS_YIELD: "chg_first_pass_yield",
    Measure.CONVERSION: "chg_conversion",
    Measure.DEFECT_RATE: "chg_defect_rate",
    Measure.CUSTOMER_SATISFACTION: "chg_customer_satisfaction",
    Measure.COMPLAINT_RATE: "chg_complaint_rate",
}
SATISFACTION_COLUMNS: dict[str, str] = {
    Measure.SAT_TRAINING: "sat_training",
    Measure.SAT_CB_ABILITY: "sat_cb_ability",
    Measure.SAT_CB_ATTITUDE: "sat_cb_attitude",
    Measure.SAT_POLICY: "sat_policy",
    Measure.SAT_FOLLOW_UP: "sat_follow_up",
}
RESULT_COLUMNS: dict[str, str] = {
    Measure.RESULT_OPERATING: "res_operating",
    Measure.RESULT_QUALITY: "res_quality",
    Measure.RESULT_QM_LEVEL: "res_qm_level",
    Measure.RESULT_CREDIT_BRAND: "res_credit_brand",
    Measure.RESULT_DIGITAL: "res_digital",
    Measure.RESULT_LASTING: "res_lasting",
}


class SatisfactionLevel(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("非常不满意")
    DISSATISFIED = 2, _("不满意")
    NEUTRAL = 3, _("一般")
    SATISFIED = 4, _("满意")
    VERY_SATISFIED = 5, _("非常满意")


class EffectLevel(models.IntegerChoices):
    NOT_OBVIOUS = 1, _("不明显")
    AVERAGE = 2, _("一般")
    OBVIOUS = 3, _("明显")
    VERY_OBVIOUS = 4, _("非常明显")


class QuestionnaireVersion(models.Model):
    """The questions of one programme year. Frozen as soon as one enterprise has answered."""

    programme_year = models.OneToOneField(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
        related_name="questionnaire_version",
    )
    title = models.CharField(_("问卷标题"), max_length=200)
    intro = models.TextField(_("填写说明"), blank=True)
    opens_at = models.DateTimeField(_("开放填写时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("问卷版本")
        verbose_name_plural = _("问卷版本")
        ordering = ["-programme_year"]

    def __str__(self) -> str:
        return self.title

    @property
    def year(self) -> int:
        return int(self.programme_year_id)

    @property
    def has_answers(self) -> bool:
        return self.responses.exists()

    @property
    def is_open(self) -> bool:
        return timezone.now() >= self.opens_at


class Question(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, verbose_name=_("问卷版本"), on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(_("字段标识"), max_length=48, help_text=_("英文标识，答案以此保存，例如 revenue"))
    section = models.CharField(_("部分"), max_length=16, choices=Section.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    label = models.CharField(_("题目"), max_length=255)
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    unit = models.CharField(_("单位"), max_length=16, blank=True, help_text=_("例如 万元、%"))
    min_value = models.DecimalField(_("最小值"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=14, decimal_places=2, null=True, blank=True)
    required = models.BooleanField(_("必填"), default=True)
    help_text = models.CharField(_("填写提示"), max_length=255, blank=True)
    choices = models.JSONField(
        _("选项"), default=list, blank=True,
        help_text=_("单选题的选项，格式 [[\"值\", \"显示文字\"], …]"),
    )
    positive_choices = models.JSONField(
        _("计为正面的选项"), default=list, blank=True,
        help_text=_("单选题参与“提升成效”汇总时，哪些选项计为有提升，例如 [\"much\", \"some\"]"),
    )
    measure = models.CharField(_("汇总口径"), max_length=40, choices=Measure.choices, blank=True, default="")
    change_mode = models.CharField(
        _("变化计算方式"), max_length=16, choices=ChangeMode.choices, default=ChangeMode.RELATIVE,
        help_text=_("提升前/提升后数值题：相对变化（%）或百分点变化"),
    )
    plausible_change = models.DecimalField(
        _("合理变化幅度（%）"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("提升后相对提升前变化超过该幅度时，提示企业确认"),
    )

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["version", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_key_unique_per_version"),
            models.UniqueConstraint(
                fields=["version", "measure"], condition=~Q(measure=""), name="question_measure_unique_per_version"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                | Q(max_value__gte=models.F("min_value")),
                name="question_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"

    @property
    def is_pair(self) -> bool:
        return self.kind in {QuestionKind.PAIR, QuestionKind.MATURITY_PAIR}

    def choice_list(self) -> list[tuple[str, str]]:
        if self.kind == QuestionKind.SATISFACTION:
            return [(str(v), str(label)) for v, label in reversed(SatisfactionLevel.choices)]
        if self.kind == QuestionKind.EFFECT:
            return [(str(v), str(label)) for v, label in reversed(EffectLevel.choices)]
        if self.kind == QuestionKind.MATURITY_PAIR:
            return [(str(v), str(label)) for v, label in MaturityLevel.ranked_choices()]
        if self.kind == QuestionKind.YES_NO:
            return [("yes", str(_("是"))), ("no", str(_("否")))]
        return [(str(v), str(label)) for v, label in self.choices]


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class ResponseQuerySet(ScopedQuerySet["Response"]):
    def for_unit_staff(self, user: User) -> ResponseQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(enterprise__district__path__startswith=user.org_unit.path)

    def for_enterprise(self, user: User) -> ResponseQuerySet:
        return self.filter(enterprise_id=user.enterprise_id)  # type: ignore[misc]

    # Certification bodies are rated in the questionnaire; they do not see individual answers.

    def submitted(self) -> ResponseQuerySet:
        return self.filter(status=ResponseStatus.SUBMITTED)


class Response(models.Model):
    """One enterprise's questionnaire for one programme year: raw answers plus the derived measures."""

    version = models.ForeignKey(
        QuestionnaireVersion, verbose_name=_("问卷版本"), on_delete=models.PROTECT, related_name="responses"
    )
    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
        related_name="questionnaire_responses",
    )
    status = models.CharField(_("状态"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    confirmed_warnings = models.JSONField(_("已确认的提示"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    is_late = models.BooleanField(_("逾期提交"), default=False)
    reopened_until = models.DateTimeField(_("重新开放至"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Derived measures (see services.derive_measures): per-enterprise change of each business metric
    # (percent or percentage points, as the question says), levels, and yes/no outcomes.
    chg_revenue = models.FloatField(null=True, blank=True, editable=False)
    chg_sales = models.FloatField(null=True, blank=True, editable=False)
    chg_profit_margin = models.FloatField(null=True, blank=True, editable=False)
    chg_quality_cost = models.FloatField(null=True, blank=True, editable=False)
    chg_first_pass_yield = models.FloatField(null=True, blank=True, editable=False)
    chg_conversion = models.FloatField(null=True, blank=True, editable=False)
    chg_defect_rate = models.FloatField(null=True, blank=True, editable=False)
    chg_customer_satisfaction = models.FloatField(null=True, blank=True, editable=False)
    chg_complaint_rate = models.FloatField(null=True, blank=True, editable=False)
    maturity_before = models.PositiveSmallIntegerField(null=True, blank=True, choices=MaturityLevel.ranked_choices(),
                                                       editable=False)
    maturity_after = models.PositiveSmallIntegerField(null=True, blank=True, choices=MaturityLevel.ranked_choices(),
                                                      editable=False)
    sat_training = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sat_cb_ability = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sat_cb_attitude = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sat_policy = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sat_follow_up = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    effect = models.PositiveSmallIntegerField(null=True, blank=True, choices=EffectLevel.choices, editable=False)
    burden = models.BooleanField(null=True, blank=True, editable=False)
    res_operating = models.BooleanField(null=True, blank=True, editable=False)
    res_quality = models.BooleanField(null=True, blank=True, editable=False)
    res_qm_level = models.BooleanField(null=True, blank=True, editable=False)
    res_credit_brand = models.BooleanField(null=True, blank=True, editable=False)
    res_digital = models.BooleanField(null=True, blank=True, editable=False)
    res_lasting = models.BooleanField(null=True, blank=True, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["-programme_year", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "programme_year"], name="response_one_per_enterprise_year"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="response_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=Q(effect__isnull=True) | Q(effect__gte=1, effect__lte=4), name="response_effect_range"
            ),
        ]
        indexes = [
            models.Index(fields=["programme_year", "status"]),
            # Response counts per year joined to the assisted enterprises: an index-only scan.
            models.Index(fields=["programme_year", "enterprise"], include=["status"], name="response_year_ent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.enterprise}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED


class ActivationCodeQuerySet(ScopedQuerySet["ActivationCode"]):
    def for_unit_staff(self, user: User) -> ActivationCodeQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(enterprise__district__path__startswith=user.org_unit.path)

    def for_certification_body(self, user: User) -> ActivationCodeQuerySet:
        return self.filter(issued_by_cb_id=user.certification_body_id)

    def usable(self) -> ActivationCodeQuerySet:
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class ActivationCode(models.Model):
    """A one-time code an enterprise uses with its USCC to open its account. Only a keyed hash is kept."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="activation_codes"
    )
    code_hash = models.CharField(_("激活码摘要"), max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发放人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by_cb = models.ForeignKey(
        "programme.CertificationBody", verbose_name=_("发放认证机构"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业激活码")
        verbose_name_plural = _("企业激活码")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "used_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} @ {self.created_at:%Y-%m-%d}"


class ReminderQuerySet(ScopedQuerySet["Reminder"]):
    def for_unit_staff(self, user: User) -> ReminderQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(enterprise__district__path__startswith=user.org_unit.path)

    def for_enterprise(self, user: User) -> ReminderQuerySet:
        return self.filter(enterprise_id=user.enterprise_id)  # type: ignore[misc]


class Reminder(models.Model):
    """A reminder sent to an enterprise that has not answered: shown in its portal, e-mailed if it can be."""

    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
        related_name="questionnaire_reminders",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发送人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    emailed_to = models.CharField(_("邮件发送至"), max_length=255, blank=True)
    message = models.CharField(_("提醒内容"), max_length=255)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报提醒")
        verbose_name_plural = _("填报提醒")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "programme_year"])]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.enterprise_id} {self.sent_at:%Y-%m-%d}"
