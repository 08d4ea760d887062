"""The annual report drafts generated for a unit: one row per generation, with its DOCX and PDF.

The model belongs to the ``reporting`` app; ``ReportingConfig.ready`` imports it (through ``setup.py``), as it does
the targets room's: no feature app may import this room. Units and years are lazy foreign keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.models import User


class AnnualReportQuerySet(ScopedQuerySet["AnnualReport"]):
    """A unit's drafts are seen by its own staff and by those above it (HQ sees every province's)."""

    def for_unit_staff(self, user: User) -> AnnualReportQuerySet:
        if user.org_unit is None:
            return self.none()
        return self.filter(scope_unit__path__startswith=user.org_unit.path)


class AnnualReport(models.Model):
    programme_year = models.ForeignKey("programme.ProgrammeYear", verbose_name=_("年度"), on_delete=models.PROTECT,
                                       related_name="+")
    scope_unit = models.ForeignKey("programme.OrgUnit", verbose_name=_("范围"), on_delete=models.PROTECT,
                                   related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    docx = models.FileField(_("Word文档"), upload_to="annual/%Y/")
    pdf = models.FileField(_("PDF文档"), upload_to="annual/%Y/")
    notes = models.JSONField(_("草稿说明"), default=list, blank=True)  # what the draft could not say
    placeholders = models.PositiveSmallIntegerField(_("待补充处"), default=0)
    job = models.OneToOneField("reporting.Job", verbose_name=_("任务"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度工作总结草稿")
        verbose_name_plural = _("年度工作总结草稿")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["scope_unit", "programme_year", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def filename(self, file_format: str) -> str:
        return f"{self.programme_year_id}_annual_report_{self.scope_unit.code}.{file_format}"
