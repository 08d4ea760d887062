"""The plan's targets and the register of industry-chain quality problems solved.

- :class:`Target`: a figure of the indicator catalogue to reach by the end of a plan period (seed 003: 截至2027年底),
  for the country (set by HQ; the plan's own targets are reference data, ``reporting.reference``) or for a provincial
  unit (set by that province for itself). ``counting`` says how progress is measured: over the period together
  (distinct counts stay distinct: an enterprise assisted in two years counts once), each year, or a level to reach
  and keep (a rate such as satisfaction).
- :class:`ChainProblem`: one industry-chain quality management problem solved (专栏2 of seed 003), recorded by HQ or by
  the province it was solved in; the catalogue counts them (``chain_problems_solved``,
  ``reporting.targets.indicators``).

The models belong to the ``reporting`` app; ``ReportingConfig.ready`` imports them (through ``setup.py``), not
``reporting.models``, because every feature app imports ``reporting.models`` and none may import this room (the
``analytics-and-targets-are-the-top`` contract). The module imports no feature app: units, years and users are lazy
foreign keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.roles import Role
from portal.scoping import ScopedQuerySet
from reporting.indicators import indicator

if TYPE_CHECKING:
    from portal.models import User

FIRST_PROGRAMME_YEAR = 2020
LAST_PLAN_YEAR = 2100


def validate_indicator_key(value: str) -> None:
    if indicator(value) is None:
        raise ValidationError(_("未知的指标：%(key)s。"), code="unknown_indicator", params={"key": value})


def province_code_of(user: User) -> str | None:
    """The code of the provincial unit a province or district user works in (None for anyone else)."""
    unit = getattr(user, "org_unit", None)
    if unit is None or user.role not in (Role.PROVINCE, Role.DISTRICT):
        return None
    codes = [c for c in unit.path.split("/") if c]
    return codes[1] if len(codes) > 1 else None


class Counting(models.TextChoices):
    CUMULATIVE = "cumulative", _("期间累计")
    YEARLY = "yearly", _("每年")
    LEVEL = "level", _("达到并保持")


class TargetQuerySet(ScopedQuerySet["Target"]):
    """Everyone on the staff of a unit sees the national targets; a province its own, a district its province's."""

    def for_unit_staff(self, user: User) -> TargetQuerySet:
        national = Q(org_unit__parent__isnull=True)
        code = province_code_of(user)
        return self.filter(national | Q(org_unit__code=code)) if code else self.filter(national)

    def national(self) -> TargetQuerySet:
        return self.filter(org_unit__parent__isnull=True)

    def editable_by(self, user: User) -> TargetQuerySet:
        """HQ edits the national targets, a province its own; nobody edits another unit's."""
        if user.is_superuser or user.role == Role.HQ:
            return self.national()
        if user.role == Role.PROVINCE and user.org_unit_id is not None:
            return self.filter(org_unit_id=user.org_unit_id)
        return self.none()


class Target(models.Model):
    indicator = models.CharField(_("指标"), max_length=64, validators=[validate_indicator_key])
    org_unit = models.ForeignKey("programme.OrgUnit", verbose_name=_("单位"), on_delete=models.PROTECT,
                                 related_name="targets")
    first_year = models.PositiveSmallIntegerField(_("起始年度"))
    last_year = models.PositiveSmallIntegerField(_("截止年度"))
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=2)
    counting = models.CharField(_("计算方式"), max_length=16, choices=Counting.choices, default=Counting.CUMULATIVE)
    note = models.TextField(_("说明"), blank=True)
    # True while the row is what the reference loader wrote (the plan's own figure); an edit clears it, and the
    # loader never touches a target that was edited.
    from_plan = models.BooleanField(_("方案原值"), default=False, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("设定时间"), auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("行动目标")
        verbose_name_plural = _("行动目标")
        ordering = ["org_unit__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit"], name="target_unique_per_indicator_and_unit"),
            models.CheckConstraint(condition=Q(value__gt=0), name="target_value_positive"),
            models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")), name="target_period_ordered"),
            models.CheckConstraint(condition=Q(first_year__gte=FIRST_PROGRAMME_YEAR), name="target_from_2020"),
        ]

    def __str__(self) -> str:
        ind = indicator(self.indicator)
        return f"{ind.name if ind else self.indicator} · {self.first_year}—{self.last_year}"

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.value is not None and self.value <= 0:
            errors.setdefault("value", []).append(ValidationError(_("目标值应大于0。"), code="not_positive"))
        if self.first_year is not None and self.first_year < FIRST_PROGRAMME_YEAR:
            errors.setdefault("first_year", []).append(
                ValidationError(_("起始年度不能早于%(year)s年。"), params={"year": FIRST_PROGRAMME_YEAR}))
        if self.last_year is not None and self.last_year > LAST_PLAN_YEAR:
            errors.setdefault("last_year", []).append(
                ValidationError(_("截止年度不能晚于%(year)s年。"), params={"year": LAST_PLAN_YEAR}))
        if self.first_year is not None and self.last_year is not None and self.last_year < self.first_year:
            errors.setdefault("last_year", []).append(
                ValidationError(_("截止年度（%(last)s年）不能早于起始年度（%(first)s年）。"), code="period_reversed",
                                params={"last": self.last_year, "first": self.first_year}))
        ind = indicator(self.indicator) if self.indicator else None
        if ind is not None and self.org_unit_id is not None and not ind.applies_to(self.org_unit.level):
            errors.setdefault("indicator", []).append(ValidationError(
                _("指标“%(name)s”不适用于%(level)s单位。"), code="not_for_level",
                params={"name": ind.name, "level": self.org_unit.get_level_display()}))
        if errors:
            raise ValidationError(errors)


class ChainProblemQuerySet(ScopedQuerySet["ChainProblem"]):
    """HQ sees every problem; a province those it solved; a district its province's."""

    def for_unit_staff(self, user: User) -> ChainProblemQuerySet:
        code = province_code_of(user)
        return self.filter(province__code=code) if code else self.none()

    def editable_by(self, user: User) -> ChainProblemQuerySet:
        if user.is_superuser or user.role == Role.HQ:
            return self.all()
        if user.role == Role.PROVINCE and user.org_unit_id is not None:
            return self.filter(province_id=user.org_unit_id)
        return self.none()


class ChainProblem(models.Model):
    """One industry-chain quality management problem solved (seed 003, 专栏2: 梳理解决约30个产业链质量管理难题)."""

    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="chain_problems")
    province = models.ForeignKey("programme.OrgUnit", verbose_name=_("省份"), on_delete=models.PROTECT,
                                 related_name="chain_problems", limit_choices_to={"level": "province"})
    industry_chain = models.CharField(_("产业链"), max_length=64)
    title = models.CharField(_("质量管理难题"), max_length=200)
    measures = models.TextField(_("采取的措施和成效"))
    solved_on = models.DateField(_("解决日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ChainProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业链质量管理难题")
        verbose_name_plural = _("产业链质量管理难题")
        ordering = ["-programme_year_id", "province__code", "-solved_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "province", "title"],
                                    name="chain_problem_unique_title_in_province_year"),
        ]
        indexes = [models.Index(fields=["programme_year", "province"])]

    def __str__(self) -> str:
        return f"{self.industry_chain}：{self.title}"

    def clean(self) -> None:
        if self.solved_on is not None and self.programme_year_id is not None \
                and self.solved_on.year != self.programme_year_id:
            raise ValidationError({"solved_on": ValidationError(
                _("解决日期（%(date)s）不在%(year)s年度内。"), code="outside_year",
                params={"date": self.solved_on.isoformat(), "year": self.programme_year_id})})
        if self.province_id is not None and self.province.level != "province":
            raise ValidationError({"province": _("请选择省级单位。")})
