"""Annex-1 evaluation: indicator schemes, self-assessments (自评), expert scoring, results and reports.

Visibility (one policy per model, see ``portal.scoping``):

- the evaluating level (HQ for provinces, a province for its districts) and anyone above it sees everything
  of its evaluation; an evaluated unit sees its own result only once the evaluation is published;
- an expert sees only the units assigned to them (their assignments, their scores, and the self-assessments
  and evidence of those units) — never through ``OrgUnit.objects.visible_to``;
- a self-assessment is seen by its own unit and, once submitted, by the levels above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet
from programme.models import OrgUnit, OrgUnitLevel

if TYPE_CHECKING:
    from portal.models import User


class Method(models.TextChoices):
    EXPERT = "expert", _("专家综合定性打分法")
    QUESTIONNAIRE = "questionnaire", _("第三方问卷测评")


class _ReferenceReadable:
    """The indicator scheme is programme configuration every working role may read."""

    def for_unit_staff(self, user: User) -> Any:
        return self.all()  # type: ignore[attr-defined]

    def for_expert(self, user: User) -> Any:
        return self.all()  # type: ignore[attr-defined]


class IndicatorSchemeQuerySet(_ReferenceReadable, ScopedQuerySet["IndicatorScheme"]):
    pass


class IndicatorAreaQuerySet(_ReferenceReadable, ScopedQuerySet["IndicatorArea"]):
    pass


class IndicatorItemQuerySet(_ReferenceReadable, ScopedQuerySet["IndicatorItem"]):
    pass


class ReferenceIndicatorQuerySet(_ReferenceReadable, ScopedQuerySet["ReferenceIndicator"]):
    pass


class IndicatorScheme(models.Model):
    """The annex-1 scheme of one programme year: HQ sets weights and scales, frozen once scoring starts."""

    programme_year = models.OneToOneField(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="indicator_scheme"
    )
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = IndicatorSchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("评估指标体系")
        verbose_name_plural = _("评估指标体系")
        ordering = ["-programme_year"]

    def __str__(self) -> str:
        return f"{self.programme_year_id}年评估指标体系"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class IndicatorArea(models.Model):
    scheme = models.ForeignKey(IndicatorScheme, verbose_name=_("指标体系"), on_delete=models.CASCADE,
                               related_name="areas")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("考核内容"), max_length=32)

    objects = IndicatorAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核内容")
        verbose_name_plural = _("考核内容")
        ordering = ["scheme", "number"]
        constraints = [models.UniqueConstraint(fields=["scheme", "number"], name="indicator_area_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class IndicatorItem(models.Model):
    """考核项目: the unit that is scored (by experts or from the questionnaire) and weighted."""

    scheme = models.ForeignKey(IndicatorScheme, verbose_name=_("指标体系"), on_delete=models.CASCADE,
                               related_name="items")
    area = models.ForeignKey(IndicatorArea, verbose_name=_("考核内容"), on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("考核项目"), max_length=64)
    method = models.CharField(_("考核方式"), max_length=16, choices=Method.choices)
    order = models.PositiveSmallIntegerField(_("顺序"))
    weight = models.DecimalField(_("分值（权重）"), max_digits=5, decimal_places=2)
    scale_max = models.DecimalField(_("评分满分"), max_digits=5, decimal_places=1, default=100,
                                    help_text=_("专家打分的满分；得分按 权重 × 得分 / 满分 折算。"))

    objects = IndicatorItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["scheme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="indicator_item_unique_code"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=100), name="indicator_item_weight_0_100"),
            models.CheckConstraint(condition=Q(scale_max__gt=0), name="indicator_item_scale_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceIndicator(models.Model):
    item = models.ForeignKey(IndicatorItem, verbose_name=_("考核项目"), on_delete=models.CASCADE,
                             related_name="indicators")
    number = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("主要参考指标"), max_length=200)
    result_key = models.CharField(_("问卷结果指标"), max_length=32, blank=True)

    objects = ReferenceIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("主要参考指标")
        verbose_name_plural = _("主要参考指标")
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="reference_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.number}.{self.text}"


# --- Self-assessment (自评) ---------------------------------------------------------------------------


class SelfAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


SUBMITTED_STATUSES = (SelfAssessmentStatus.SUBMITTED, SelfAssessmentStatus.ACCEPTED)

# (field name, label, unit) — the figures HQ sums nationally (seed 000, first paragraphs).
FIGURE_FIELDS: list[tuple[str, str, str]] = [
    ("incentive_policies", "出台激励政策", "项"),
    ("government_plan_policies", "纳入政府政策部署", "项"),
    ("credit_policies", "金融信贷政策", "项"),
    ("credit_support", "金融信贷支持", "万元"),
    ("fiscal_subsidies", "财政补贴", "万元"),
    ("cross_department_policies", "跨部门联动政策", "项"),
    ("cbs_involved", "参与认证机构", "家"),
    ("parks_involved", "参与产业/工业园区", "个"),
    ("associations_involved", "参与学协会", "家"),
    ("alliances_involved", "参与联盟", "家"),
    ("experts_involved", "参与认证专家", "名"),
    ("training_sessions", "组织培训", "场"),
    ("publicity_materials", "发放宣传资料", "份"),
    ("media_reports", "官方宣传报道", "次"),
    ("cases_compiled", "编制行业案例", "个"),
    ("videos", "制作宣传视频", "个"),
    ("papers", "征集论文", "篇"),
]
MONEY_FIGURES = frozenset({"credit_support", "fiscal_subsidies"})


class SelfAssessmentQuerySet(ScopedQuerySet["SelfAssessment"]):
    def for_unit_staff(self, user: User) -> SelfAssessmentQuerySet:
        if user.org_unit is None:
            return self.none()
        # Own unit (drafts included); below it only what has been submitted.
        return self.filter(
            Q(unit_id=user.org_unit_id)
            | Q(unit__path__startswith=user.org_unit.path,
                status__in=[*SUBMITTED_STATUSES, SelfAssessmentStatus.RETURNED])
        )

    def for_expert(self, user: User) -> SelfAssessmentQuerySet:
        assigned = ExpertAssignment.objects.filter(
            expert_id=user.pk, unit_id=OuterRef("unit_id"), evaluation__programme_year_id=OuterRef("programme_year_id")
        )
        return self.filter(Exists(assigned), status__in=SUBMITTED_STATUSES)


class SelfAssessment(models.Model):
    """One unit's self-assessment for a programme year, reviewed by the level above."""

    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="self_assessments"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="self_assessments")
    status = models.CharField(_("状态"), max_length=16, choices=SelfAssessmentStatus.choices,
                              default=SelfAssessmentStatus.DRAFT)
    summary = models.TextField(_("总体情况"), blank=True)
    incentive_policies = models.PositiveIntegerField(_("出台激励政策（项）"), default=0)
    government_plan_policies = models.PositiveIntegerField(_("纳入政府政策部署（项）"), default=0)
    credit_policies = models.PositiveIntegerField(_("金融信贷政策（项）"), default=0)
    credit_support = models.DecimalField(_("金融信贷支持（万元）"), max_digits=14, decimal_places=2, default=0)
    fiscal_subsidies = models.DecimalField(_("财政补贴（万元）"), max_digits=14, decimal_places=2, default=0)
    cross_department_policies = models.PositiveIntegerField(_("跨部门联动政策（项）"), default=0)
    cbs_involved = models.PositiveIntegerField(_("参与认证机构（家）"), default=0)
    parks_involved = models.PositiveIntegerField(_("参与产业/工业园区（个）"), default=0)
    associations_involved = models.PositiveIntegerField(_("参与学协会（家）"), default=0)
    alliances_involved = models.PositiveIntegerField(_("参与联盟（家）"), default=0)
    experts_involved = models.PositiveIntegerField(_("参与认证专家（名）"), default=0)
    training_sessions = models.PositiveIntegerField(_("组织培训（场）"), default=0)
    publicity_materials = models.PositiveIntegerField(_("发放宣传资料（份）"), default=0)
    media_reports = models.PositiveIntegerField(_("官方宣传报道（次）"), default=0)
    cases_compiled = models.PositiveIntegerField(_("编制行业案例（个）"), default=0)
    videos = models.PositiveIntegerField(_("制作宣传视频（个）"), default=0)
    papers = models.PositiveIntegerField(_("征集论文（篇）"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("逾期提交"), default=False)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_comment = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SelfAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("自评材料")
        verbose_name_plural = _("自评材料")
        ordering = ["programme_year", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "unit"], name="self_assessment_unique_per_year"),
            models.CheckConstraint(condition=Q(credit_support__gte=0) & Q(fiscal_subsidies__gte=0),
                                   name="self_assessment_money_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_year_id} {self.unit.name} 自评"

    @property
    def is_editable(self) -> bool:
        return self.status in (SelfAssessmentStatus.DRAFT, SelfAssessmentStatus.RETURNED)


class NarrativeQuerySet(ScopedQuerySet["Narrative"]):
    def for_unit_staff(self, user: User) -> NarrativeQuerySet:
        return self.filter(self_assessment__in=SelfAssessment.objects.for_unit_staff(user))

    def for_expert(self, user: User) -> NarrativeQuerySet:
        return self.filter(self_assessment__in=SelfAssessment.objects.for_expert(user))


class Narrative(models.Model):
    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("自评材料"), on_delete=models.CASCADE,
                                        related_name="narratives")
    item = models.ForeignKey(IndicatorItem, verbose_name=_("考核项目"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("工作情况"), blank=True)

    objects = NarrativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("自评说明")
        verbose_name_plural = _("自评说明")
        constraints = [models.UniqueConstraint(fields=["self_assessment", "item"], name="narrative_unique_item")]

    def __str__(self) -> str:
        return f"{self.self_assessment} / {self.item}"


class EvidenceQuerySet(ScopedQuerySet["Evidence"]):
    def for_unit_staff(self, user: User) -> EvidenceQuerySet:
        return self.filter(self_assessment__in=SelfAssessment.objects.for_unit_staff(user))

    def for_expert(self, user: User) -> EvidenceQuerySet:
        return self.filter(self_assessment__in=SelfAssessment.objects.for_expert(user))


class Evidence(models.Model):
    """A supporting file (PDF, image, Office document), served only to those who may see the self-assessment."""

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("自评材料"), on_delete=models.CASCADE,
                                        related_name="evidence")
    item = models.ForeignKey(IndicatorItem, verbose_name=_("考核项目"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("文件"), upload_to="assessments/evidence/%Y/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["self_assessment", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ExcellentCaseQuerySet(ScopedQuerySet["ExcellentCase"]):
    def for_unit_staff(self, user: User) -> ExcellentCaseQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(district__path__startswith=user.org_unit.path)


MAX_CASES_PER_DISTRICT = 5


class ExcellentCase(models.Model):
    """优良案例 recommended by a district: at most five per district per year (one slot each, in the DB)."""

    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="+")
    district = models.ForeignKey(OrgUnit, verbose_name=_("推荐区县"), on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("案例名称"), max_length=200)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("案例简介"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    # Seed 002: the province has experts select among its districts' cases and recommends the best to HQ.
    recommended_at = models.DateTimeField(_("推荐至总局时间"), null=True, blank=True)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推荐至总局操作人"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ExcellentCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("优良案例")
        verbose_name_plural = _("优良案例")
        ordering = ["programme_year", "district__code", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "district", "slot"], name="excellent_case_slot_unique"),
            models.CheckConstraint(condition=Q(slot__gte=1) & Q(slot__lte=MAX_CASES_PER_DISTRICT),
                                   name="excellent_case_at_most_5"),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingCourseQuerySet(ScopedQuerySet["TrainingCourse"]):
    def for_unit_staff(self, user: User) -> TrainingCourseQuerySet:
        # Courses are submitted for promotion (择优推荐); bureaus read all of them.
        return self.all()

    def for_certification_body(self, user: User) -> TrainingCourseQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)


class TrainingCourse(models.Model):
    """培训课程: every participating CB submits at least one per year."""

    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="+")
    certification_body = models.ForeignKey("programme.CertificationBody", verbose_name=_("认证机构"),
                                           on_delete=models.PROTECT, related_name="training_courses")
    title = models.CharField(_("课程名称"), max_length=200)
    summary = models.TextField(_("课程简介"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    objects = TrainingCourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["programme_year", "certification_body"]

    def __str__(self) -> str:
        return self.title


# --- Evaluation, experts, results ----------------------------------------------------------------------


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("评分中")
    COMPUTED = "computed", _("已计算")
    PUBLISHED = "published", _("已发布")


class EvaluationQuerySet(ScopedQuerySet["Evaluation"]):
    def for_unit_staff(self, user: User) -> EvaluationQuerySet:
        if user.org_unit is None:
            return self.none()
        unit = user.org_unit
        own = Q(evaluator__path__startswith=unit.path)
        evaluated = Q(status=EvaluationStatus.PUBLISHED, unit_level=unit.level) & Q(
            evaluator__pk__in=unit.ancestor_ids()
        )
        return self.filter(own | evaluated)

    def for_expert(self, user: User) -> EvaluationQuerySet:
        return self.filter(assignments__expert_id=user.pk).distinct()


class Evaluation(models.Model):
    """One level evaluating its units for a year: HQ → provinces, or a province → its districts."""

    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="evaluations")
    evaluator = models.ForeignKey(OrgUnit, verbose_name=_("评估单位"), on_delete=models.PROTECT, related_name="+")
    unit_level = models.CharField(_("被评估层级"), max_length=16, choices=OrgUnitLevel.choices)
    status = models.CharField(_("状态"), max_length=16, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.OPEN)
    outstanding_top = models.PositiveSmallIntegerField(_("表现突出名额"), default=10)
    most_improved_top = models.PositiveSmallIntegerField(_("进步较大名额"), default=5)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作成效评估")
        verbose_name_plural = _("工作成效评估")
        ordering = ["-programme_year", "evaluator__code"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "evaluator"], name="evaluation_unique_per_evaluator")
        ]

    def __str__(self) -> str:
        level = OrgUnitLevel(self.unit_level).label
        return f"{self.programme_year_id}年 {self.evaluator.name}对{level}单位的评估"

    def evaluated_units(self) -> models.QuerySet[OrgUnit]:
        return OrgUnit.objects.filter(level=self.unit_level, path__startswith=self.evaluator.path,
                                      is_active=True).exclude(pk=self.evaluator_id).order_by("code")

    @property
    def is_published(self) -> bool:
        return self.status == EvaluationStatus.PUBLISHED


class ExpertAssignmentQuerySet(ScopedQuerySet["ExpertAssignment"]):
    def for_unit_staff(self, user: User) -> ExpertAssignmentQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(evaluation__evaluator__path__startswith=user.org_unit.path)

    def for_expert(self, user: User) -> ExpertAssignmentQuerySet:
        return self.filter(expert_id=user.pk)


class ExpertAssignment(models.Model):
    evaluation = models.ForeignKey(Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE,
                                   related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("专家"), on_delete=models.PROTECT,
                               related_name="expert_assignments")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("评估对象"), on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("分配人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)

    objects = ExpertAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家分配")
        verbose_name_plural = _("专家分配")
        ordering = ["evaluation", "unit__code", "expert_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "expert", "unit"], name="expert_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.unit.name}"


class ExpertScoreQuerySet(ScopedQuerySet["ExpertScore"]):
    def for_unit_staff(self, user: User) -> ExpertScoreQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(assignment__evaluation__evaluator__path__startswith=user.org_unit.path)

    def for_expert(self, user: User) -> ExpertScoreQuerySet:
        return self.filter(assignment__expert_id=user.pk)


class ExpertScore(models.Model):
    assignment = models.ForeignKey(ExpertAssignment, verbose_name=_("专家分配"), on_delete=models.CASCADE,
                                   related_name="scores")
    item = models.ForeignKey(IndicatorItem, verbose_name=_("考核项目"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    comment = models.TextField(_("评语"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ExpertScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "item"], name="expert_score_unique_item"),
            models.CheckConstraint(condition=Q(score__gte=0), name="expert_score_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} {self.item}: {self.score}"


class UnitResultQuerySet(ScopedQuerySet["UnitResult"]):
    def for_unit_staff(self, user: User) -> UnitResultQuerySet:
        if user.org_unit is None:
            return self.none()
        # The evaluating level (and above) sees its evaluation; an evaluated unit only its own published row.
        return self.filter(
            Q(evaluation__evaluator__path__startswith=user.org_unit.path)
            | Q(unit_id=user.org_unit_id, evaluation__status=EvaluationStatus.PUBLISHED)
        )


class UnitResult(models.Model):
    """A unit's computed scores and rank in one evaluation (rebuilt each time the evaluation is computed)."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE,
                                   related_name="results")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    item_scores = models.JSONField(_("项目得分"), default=dict)
    item_raw = models.JSONField(_("项目原始分"), default=dict)
    area_scores = models.JSONField(_("内容得分"), default=dict)
    expert_counts = models.JSONField(_("专家人数"), default=dict)
    expert_subtotal = models.DecimalField(_("专家评分小计"), max_digits=6, decimal_places=2)
    questionnaire_subtotal = models.DecimalField(_("问卷测评小计"), max_digits=6, decimal_places=2)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("排名"))
    previous_rank = models.PositiveSmallIntegerField(_("上年排名"), null=True, blank=True)
    rank_change = models.SmallIntegerField(_("名次变化"), null=True, blank=True)
    most_improved = models.BooleanField(_("进步较大"), default=False)
    outstanding = models.BooleanField(_("表现突出"), default=False)
    notes = models.JSONField(_("说明"), default=list, blank=True)

    objects = UnitResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("评估结果")
        verbose_name_plural = _("评估结果")
        ordering = ["evaluation", "rank", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "unit"], name="unit_result_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.unit.name} 第{self.rank}名"


class ReportKind(models.TextChoices):
    SCORE_SHEET = "score_sheet", _("评估得分及排名报告")
    SUMMARY = "summary", _("年度工作总结数据")


class ReportQuerySet(ScopedQuerySet["Report"]):
    def for_unit_staff(self, user: User) -> ReportQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(scope_unit__path__startswith=user.org_unit.path)


class Report(models.Model):
    """A generated report file (XLSX or PDF) — the download list of an evaluation or a summary."""

    kind = models.CharField(_("类型"), max_length=16, choices=ReportKind.choices)
    file_format = models.CharField(_("格式"), max_length=8)
    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="+")
    scope_unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, verbose_name=_("评估"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="reports")
    job = models.ForeignKey("reporting.Job", verbose_name=_("任务"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(_("文件"), upload_to="assessments/reports/%Y/")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("评估报告文件")
        verbose_name_plural = _("评估报告文件")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "file_format"], name="report_one_file_per_job_format",
                                    condition=Q(job__isnull=False))
        ]

    def __str__(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1]

    @property
    def filename(self) -> str:
        return str(self)
