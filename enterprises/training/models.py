"""Training records (培训台账)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet
from programme.models import OrgUnit, OrgUnitLevel

if TYPE_CHECKING:
    from portal.models import User


class TrainingDelivery(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")


class TrainingRecordQuerySet(ScopedQuerySet["TrainingRecord"]):
    def for_unit_staff(self, user: User) -> TrainingRecordQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(district__path__startswith=user.org_unit.path)

    def for_certification_body(self, user: User) -> TrainingRecordQuerySet:
        return self.filter(certification_body_id=user.certification_body_id)


class TrainingRecord(models.Model):
    """培训台账: one training session held by a CB, with the enterprises and person-times reached."""

    programme_year = models.ForeignKey(
        "programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT, related_name="training_records"
    )
    certification_body = models.ForeignKey(
        "programme.CertificationBody",
        verbose_name=_("认证机构"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    district = models.ForeignKey(
        OrgUnit,
        verbose_name=_("培训所在区县"),
        on_delete=models.PROTECT,
        related_name="training_records",
        limit_choices_to={"level": OrgUnitLevel.DISTRICT},
    )
    held_on = models.DateField(_("培训日期"))
    organiser = models.CharField(_("主办单位"), max_length=128)
    topic = models.CharField(_("培训主题"), max_length=200)
    delivery = models.CharField(_("形式"), max_length=16, choices=TrainingDelivery.choices)
    enterprise_count = models.PositiveIntegerField(_("参训企业（家）"))
    person_count = models.PositiveIntegerField(_("参训人次"))
    source = models.CharField(_("来源"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训台账记录")
        verbose_name_plural = _("培训台账记录")
        ordering = ["-held_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_year", "certification_body", "held_on", "topic", "district"],
                name="training_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(person_count__gte=models.F("enterprise_count")) | Q(enterprise_count=0),
                name="training_persons_ge_enterprises",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"
