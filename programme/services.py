"""Writes and rules about the programme calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditAction
from portal.roles import Role

from .models import (
    CertificationBody,
    Deadline,
    DeadlineException,
    DeadlineKind,
    OrgUnit,
    OrgUnitLevel,
    PilotAttachment,
    PilotFiling,
    PilotFilingStatus,
    PilotRegion,
    PilotStatistics,
)

if TYPE_CHECKING:
    from portal.models import User


@dataclass(frozen=True)
class DeadlineState:
    is_open: bool
    due_at: dt.datetime | None
    exception_until: dt.datetime | None

    @property
    def is_late(self) -> bool:
        """Submitted after the deadline (allowed only through an exception): recorded as late."""
        return self.due_at is not None and timezone.now() > self.due_at


def deadline_state(
    *,
    year: int,
    kind: str,
    org_unit: OrgUnit | None = None,
    certification_body: CertificationBody | None = None,
    at: dt.datetime | None = None,
) -> DeadlineState:
    """Is the year's ``kind`` still open for this unit or CB? After the deadline, only a dated exception
    granted by the level above keeps it open."""
    now = at or timezone.now()
    deadline = Deadline.objects.filter(programme_year_id=year, kind=kind).first()
    if deadline is None or now <= deadline.due_at:
        return DeadlineState(True, deadline.due_at if deadline else None, None)
    exceptions = DeadlineException.objects.filter(deadline=deadline, open_until__gte=now)
    if certification_body is not None:
        exceptions = exceptions.filter(certification_body=certification_body)
    elif org_unit is not None:
        exceptions = exceptions.filter(org_unit=org_unit)
    else:
        exceptions = exceptions.none()
    exception = exceptions.order_by("-open_until").first()
    return DeadlineState(exception is not None, deadline.due_at, exception.open_until if exception else None)


def deadline_exception_grant(
    *,
    actor: User,
    deadline: Deadline,
    open_until: dt.datetime,
    reason: str,
    org_unit: OrgUnit | None = None,
    certification_body: CertificationBody | None = None,
) -> DeadlineException:
    """The level above grants one unit (or a province grants one CB) a dated exception to a lock."""
    if actor.role not in {Role.HQ, Role.PROVINCE} or actor.org_unit is None:
        raise PermissionDenied(_("只有总局和省局可以批准截止例外。"))
    if org_unit is not None and (org_unit.parent_id is None or not org_unit.is_within(actor.org_unit)
                                 or org_unit.pk == actor.org_unit_id):
        raise PermissionDenied(_("只能为本单位的下级单位批准例外。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写批准理由。")})
    if open_until <= deadline.due_at:
        raise ValidationError({"open_until": _("延期时间应晚于原截止时间。")})
    with transaction.atomic():
        exception = DeadlineException(
            deadline=deadline,
            org_unit=org_unit,
            certification_body=certification_body,
            granted_by_unit=actor.org_unit,
            granted_by=actor,
            open_until=open_until,
            reason=reason.strip(),
        )
        exception.full_clean()
        exception.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=exception, source="web",
                     changes={"open_until": open_until.isoformat(), "reason": reason})
    return exception


# ---- Pilot regions ---------------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Accepted attachment types, recognised by their content (magic bytes), never by name or browser header.
ATTACHMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}


def pilot_create(
    *,
    actor: User,
    name: str,
    industry: str,
    province: OrgUnit,
    districts: list[OrgUnit],
    start_year: int,
    end_year: int | None = None,
    batch: int = 1,
    source: str = "web",
) -> PilotRegion:
    """HQ or the province itself registers a pilot; every district must lie in the province."""
    privileged = actor is None or getattr(actor, "is_superuser", False)
    if not privileged and (actor.role not in {Role.HQ, Role.PROVINCE} or actor.org_unit is None
                           or not province.is_within(actor.org_unit)):
        raise PermissionDenied(_("只有总局和本省省局可以登记区域试点。"))
    if not districts:
        raise ValidationError({"districts": _("请至少选择一个试点区县。")})
    outside = [d.name for d in districts if not d.is_within(province) or d.level != OrgUnitLevel.DISTRICT]
    if outside:
        raise ValidationError({"districts": _("以下单位不是%(province)s的区县：%(names)s。")
                               % {"province": province.name, "names": "、".join(outside)}})
    with transaction.atomic():
        pilot = PilotRegion(name=name.strip(), industry=industry.strip(), province=province, batch=batch,
                            start_year=start_year, end_year=end_year)
        pilot.full_clean()
        pilot.save()
        pilot.districts.set(districts)
        audit_record(actor=actor, action=AuditAction.CREATE, obj=pilot, source=source,
                     changes={"industry": pilot.industry, "districts": [d.code for d in districts],
                              "start_year": start_year, "end_year": end_year})
    return pilot


def pilot_is_district_of(user: User, pilot: PilotRegion) -> bool:
    return (getattr(user, "role", None) == Role.DISTRICT and user.org_unit_id is not None
            and pilot.districts.filter(pk=user.org_unit_id).exists())


def pilot_is_reviewer_of(user: User, pilot: PilotRegion) -> bool:
    return (getattr(user, "role", None) == Role.PROVINCE and user.org_unit is not None
            and pilot.province.is_within(user.org_unit))


def pilot_edit_refusal(*, user: User, pilot: PilotRegion, year: int, filing: PilotFiling | None) -> str:
    """Why this user may not edit the pilot's filing for the year now ("" = they may)."""
    if not pilot_is_district_of(user, pilot):
        return _("只有试点所在区县的工作人员可以填报。")
    if not pilot.is_active_in(year):
        return _("该试点在%(year)s年度不在试点期内。") % {"year": year}
    if filing is not None and not filing.is_editable_status:
        return _("已%(status)s，不能修改。") % {"status": filing.get_status_display()}
    state = deadline_state(year=year, kind=DeadlineKind.PILOT_REPORT, org_unit=user.org_unit)
    if not state.is_open:
        return _("已过截止时间，数据已锁定；如需补报请向省局申请延期。")
    return ""


def _require_editable(*, actor: User, pilot: PilotRegion, year: int, filing: PilotFiling | None) -> None:
    refusal = pilot_edit_refusal(user=actor, pilot=pilot, year=year, filing=filing)
    if refusal:
        raise PermissionDenied(refusal)


def pilot_filing_save(
    *,
    actor: User,
    pilot: PilotRegion,
    year: int,
    statistics: dict[str, Any] | None = None,
    sections: dict[str, str] | None = None,
    source: str = "web",
) -> PilotFiling:
    """Save the annex-3 figures and/or the annex-2 texts as a draft (creating the filing on first save).

    A draft may be incomplete, but what is there must already obey the sheet's rules."""
    from . import annex2, annex3

    with transaction.atomic():
        filing = PilotFiling.objects.select_for_update().filter(pilot=pilot, programme_year_id=year).first()
        _require_editable(actor=actor, pilot=pilot, year=year, filing=filing)
        created = filing is None
        if filing is None:
            filing = PilotFiling(pilot=pilot, programme_year_id=year)
        changes: dict[str, Any] = {}
        for key, text in (sections or {}).items():
            if key not in annex2.leaf_keys():
                raise ValidationError({key: _("未知的报告章节。")})
            if getattr(filing, key) != text:
                changes[key] = "…"
            setattr(filing, key, text)
        filing.full_clean()
        filing.save()
        stats = getattr(filing, "statistics", None) if not created else None
        if statistics is not None:
            if stats is None:
                stats = PilotStatistics(filing=filing)
            for name in annex3.all_fields():
                if name in statistics:
                    old = getattr(stats, name)
                    setattr(stats, name, statistics[name])
                    if old != statistics[name]:
                        changes[name] = str(statistics[name])
            stats.full_clean()
            stats.save()
        audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=filing,
                     source=source, changes=changes)
    return filing


def pilot_filing_problems(filing: PilotFiling) -> list[str]:
    """What keeps a filing from being submitted (empty when it is complete)."""
    from . import annex2

    problems: list[str] = []
    stats = PilotStatistics.objects.filter(filing=filing).first()
    if stats is None:
        problems.append(_("尚未填写区域试点工作统计表（附件3）。"))
    elif not stats.total_enterprises:  # type: ignore[attr-defined]
        problems.append(_("统计表中“区域小微企业总数（家）”尚未填写。"))
    for section in annex2.OUTLINE:
        if not any(getattr(filing, leaf.key).strip() for leaf in section.leaves()):
            problems.append(_("自评报告“%(title)s”尚未填写。") % {"title": section.title})
    return problems


def pilot_filing_submit(*, actor: User, filing: PilotFiling, source: str = "web") -> PilotFiling:
    """The pilot's district submits annex 3 and annex 2 together; after the deadline (with an exception)
    the submission is recorded as late."""
    with transaction.atomic():
        filing = PilotFiling.objects.select_for_update().select_related("pilot__province").get(pk=filing.pk)
        year = filing.programme_year_id
        _require_editable(actor=actor, pilot=filing.pilot, year=year, filing=filing)
        problems = pilot_filing_problems(filing)
        if problems:
            raise ValidationError(problems)
        state = deadline_state(year=year, kind=DeadlineKind.PILOT_REPORT, org_unit=actor.org_unit)
        filing.status = PilotFilingStatus.SUBMITTED
        filing.is_late = state.is_late
        filing.submitted_at = timezone.now()
        filing.submitted_by = actor
        filing.save(update_fields=["status", "is_late", "submitted_at", "submitted_by", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=filing, source=source,
                     changes={"status": filing.status, "is_late": filing.is_late})
    return filing


def pilot_filing_review(
    *, actor: User, filing: PilotFiling, accept: bool, comment: str = "", source: str = "web"
) -> PilotFiling:
    """The pilot's province accepts a submitted filing or returns it with comments for correction."""
    with transaction.atomic():
        filing = PilotFiling.objects.select_for_update().select_related("pilot__province").get(pk=filing.pk)
        if not pilot_is_reviewer_of(actor, filing.pilot):
            raise PermissionDenied(_("只有试点所在省的省局可以审核。"))
        if filing.status != PilotFilingStatus.SUBMITTED:
            raise ValidationError(_("只有已提交的报送可以审核（当前状态：%(status)s）。")
                                  % {"status": filing.get_status_display()})
        if not accept and not comment.strip():
            raise ValidationError({"review_comment": _("退回时请填写审核意见，说明需要修改的内容。")})
        filing.status = PilotFilingStatus.ACCEPTED if accept else PilotFilingStatus.RETURNED
        filing.reviewed_at = timezone.now()
        filing.reviewed_by = actor
        filing.review_comment = comment.strip()
        filing.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=filing, source=source,
                     changes={"status": filing.status, "review_comment": filing.review_comment})
    return filing


def attachment_type(head: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) recognised from the first bytes of a file, or None if not accepted."""
    import filetype

    kind = filetype.guess(head)
    if kind is None or kind.extension not in ATTACHMENT_TYPES:
        return None
    return kind.extension, ATTACHMENT_TYPES[kind.extension]


def pilot_attachment_add(
    *, actor: User, filing: PilotFiling, section: str, upload: Any, source: str = "web"
) -> PilotAttachment:
    """Attach a file to one section of the annex-2 report; the type is checked by content, size is capped."""
    from . import annex2

    _require_editable(actor=actor, pilot=filing.pilot, year=filing.programme_year_id, filing=filing)
    if annex2.section_of(section) is None:
        raise ValidationError({"section": _("请选择附件所属的报告章节。")})
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        raise ValidationError({"file": _("上传的文件是空的。")})
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("文件“%(name)s”为 %(mb).1f MB，超过 %(max)d MB 的上限。")
                               % {"name": upload.name, "mb": size / 1024 / 1024,
                                  "max": ATTACHMENT_MAX_BYTES // 1024 // 1024}})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    recognised = attachment_type(head)
    if recognised is None:
        raise ValidationError({"file": _("文件“%(name)s”的内容不是允许的类型（PDF、JPG、PNG、Word、Excel）。")
                               % {"name": upload.name}})
    ext, mime = recognised
    with transaction.atomic():
        base = str(upload.name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        stem = base.rsplit(".", 1)[0][:150] or "附件"
        attachment = PilotAttachment(filing=filing, section=section, original_name=f"{stem}.{ext}",
                                     content_type=mime, size=size, uploaded_by=actor)
        attachment.file.save(f"upload.{ext}", upload, save=False)
        attachment.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=attachment, source=source,
                     changes={"section": section, "size": size, "content_type": mime})
    return attachment


def pilot_attachment_delete(*, actor: User, attachment: PilotAttachment, source: str = "web") -> None:
    filing = attachment.filing
    _require_editable(actor=actor, pilot=filing.pilot, year=filing.programme_year_id, filing=filing)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, obj=attachment, source=source,
                     changes={"original_name": attachment.original_name})
        attachment.file.delete(save=False)
        attachment.delete()
