"""Writes of the annex-1 evaluation: schemes, self-assessments, cases, courses, experts, scores, results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_bulk, audit_record
from portal.models import AuditAction
from portal.roles import Role
from programme.models import DeadlineKind, OrgUnit, OrgUnitLevel, ProgrammeYear
from programme.services import deadline_state

from . import scoring
from .annex import ANNEX1
from .models import (
    FIGURE_FIELDS,
    MAX_CASES_PER_DISTRICT,
    MONEY_FIGURES,
    Evaluation,
    EvaluationStatus,
    Evidence,
    ExcellentCase,
    ExpertAssignment,
    ExpertScore,
    IndicatorArea,
    IndicatorItem,
    IndicatorScheme,
    Method,
    Narrative,
    ReferenceIndicator,
    SelfAssessment,
    SelfAssessmentStatus,
    TrainingCourse,
    UnitResult,
)
from .questionnaire_adapter import figures_by_unit

if TYPE_CHECKING:
    from portal.models import User

Progress = Callable[[int, int], None]


def _is_hq(actor: User | None) -> bool:
    return bool(actor is not None and (actor.is_superuser or actor.role == Role.HQ))


# --- Indicator scheme ----------------------------------------------------------------------------------


@transaction.atomic
def scheme_ensure(*, actor: User | None, year: int, source: str = "web") -> IndicatorScheme:
    """The year's scheme, created from annex 1 with the default weights the first time it is needed."""
    programme_year = ProgrammeYear.objects.get(pk=year)
    scheme, created = IndicatorScheme.objects.get_or_create(programme_year=programme_year)
    if not created:
        return scheme
    order = 0
    for area_spec in ANNEX1:
        area = IndicatorArea.objects.create(scheme=scheme, number=area_spec["number"], name=area_spec["name"])
        for item_spec in area_spec["items"]:
            order += 1
            item = IndicatorItem.objects.create(
                scheme=scheme, area=area, code=item_spec["code"], name=item_spec["name"],
                method=item_spec["method"], order=order, weight=item_spec["weight"],
            )
            keys = item_spec.get("result_keys", ())
            ReferenceIndicator.objects.bulk_create([
                ReferenceIndicator(item=item, number=n, text=text, result_key=keys[n - 1] if keys else "")
                for n, text in enumerate(item_spec["indicators"], start=1)
            ])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=scheme, source=source,
                 changes={"weights": {i.code: str(i.weight) for i in scheme.items.all()}})
    return scheme


def scheme_set_weights(
    *, actor: User, scheme: IndicatorScheme, weights: Mapping[str, Any], scales: Mapping[str, Any] | None = None
) -> IndicatorScheme:
    """HQ sets the points of each item (summing to 100) and the expert scale, before scoring starts."""
    if not _is_hq(actor):
        raise PermissionDenied(_("只有总局可以设置评估指标权重。"))
    with transaction.atomic():
        scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
        if scheme.is_frozen:
            raise ValidationError(_("评分已经开始，%(year)s年指标体系已冻结，不能再修改权重。")
                                  % {"year": scheme.programme_year_id})
        items = list(scheme.items.all())
        errors: dict[str, str] = {}
        parsed: dict[str, tuple[Decimal, Decimal]] = {}
        for item in items:
            try:
                weight = Decimal(str(weights.get(item.code, item.weight)))
                scale = Decimal(str((scales or {}).get(item.code, item.scale_max)))
            except InvalidOperation:
                errors[item.code] = _("“%(item)s”的分值应为数字。") % {"item": item.name}
                continue
            if not Decimal(0) <= weight <= Decimal(100):
                errors[item.code] = _("“%(item)s”的分值应在 0 到 100 之间。") % {"item": item.name}
            if scale <= 0:
                errors[item.code] = _("“%(item)s”的评分满分应大于 0。") % {"item": item.name}
            parsed[item.code] = (weight, scale)
        if errors:
            raise ValidationError(errors)
        total = sum((w for w, _s in parsed.values()), Decimal(0))
        if total != Decimal(100):
            raise ValidationError(_("各考核项目分值之和应为 100，当前为 %(total)s。")
                                  % {"total": f"{total.normalize():f}"})
        changes = {}
        for item in items:
            weight, scale = parsed[item.code]
            if weight != item.weight or scale != item.scale_max:
                changes[item.code] = {"weight": [str(item.weight), str(weight)],
                                      "scale_max": [str(item.scale_max), str(scale)]}
                item.weight, item.scale_max = weight, scale
                item.full_clean()
                item.save(update_fields=["weight", "scale_max"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=scheme, changes=changes)
    return scheme


def _freeze_scheme(scheme: IndicatorScheme) -> None:
    if scheme.frozen_at is None:
        IndicatorScheme.objects.filter(pk=scheme.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
        scheme.frozen_at = timezone.now()


# --- Self-assessment -----------------------------------------------------------------------------------


def parent_evaluator_of(unit: OrgUnit) -> OrgUnit | None:
    """The level that evaluates ``unit``: HQ for a province, the province for a district."""
    if unit.level == OrgUnitLevel.PROVINCE:
        return OrgUnit.objects.filter(code="000000").first()
    if unit.level == OrgUnitLevel.DISTRICT and unit.province_code:
        return OrgUnit.objects.filter(code=unit.province_code).first()
    return None


def _require_own_unit(actor: User, unit: OrgUnit) -> None:
    if actor is None or actor.role not in (Role.PROVINCE, Role.DISTRICT) or actor.org_unit_id != unit.pk:
        raise PermissionDenied(_("只能填写本单位的自评材料。"))


def _require_open(*, year: int, unit: OrgUnit) -> Any:
    state = deadline_state(year=year, kind=DeadlineKind.SELF_ASSESSMENT, org_unit=unit)
    if not state.is_open:
        raise ValidationError(
            _("%(year)s年自评材料已于 %(due)s 截止并锁定；如需补报，请向上级单位申请延期。")
            % {"year": year, "due": timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M")}
        )
    return state


def self_assessment_get_or_create(*, actor: User, year: int, unit: OrgUnit) -> SelfAssessment:
    _require_own_unit(actor, unit)
    scheme_ensure(actor=actor, year=year)
    sa, created = SelfAssessment.objects.get_or_create(programme_year_id=year, unit=unit)
    if created:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=sa)
    return sa


def self_assessment_save(
    *,
    actor: User,
    self_assessment: SelfAssessment,
    figures: Mapping[str, Any],
    narratives: Mapping[int, str],
    summary: str | None = None,
) -> SelfAssessment:
    """Save the draft: figures (non-negative numbers) and a narrative per item."""
    _require_own_unit(actor, self_assessment.unit)
    with transaction.atomic():
        sa = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
        if not sa.is_editable:
            raise ValidationError(_("自评材料已提交，等待上级审核，不能修改。"))
        _require_open(year=sa.programme_year_id, unit=sa.unit)
        changes: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, label, unit in FIGURE_FIELDS:
            if name not in figures:
                continue
            raw = figures[name]
            try:
                value: Any = Decimal(str(raw or 0)) if name in MONEY_FIGURES else int(str(raw or 0))
            except (InvalidOperation, ValueError):
                errors[name] = _("“%(label)s”应填写数字（单位：%(unit)s），收到“%(raw)s”。") % {
                    "label": label, "unit": unit, "raw": raw}
                continue
            if value < 0:
                errors[name] = _("“%(label)s”不能为负数。") % {"label": label}
                continue
            if getattr(sa, name) != value:
                changes[name] = [str(getattr(sa, name)), str(value)]
                setattr(sa, name, value)
        if errors:
            raise ValidationError(errors)
        if summary is not None and summary != sa.summary:
            sa.summary = summary
            changes["summary"] = "changed"
        sa.full_clean()
        sa.save()
        valid_items = set(IndicatorItem.objects.filter(scheme__programme_year_id=sa.programme_year_id)
                          .values_list("pk", flat=True))
        for item_id, text in narratives.items():
            if item_id not in valid_items:
                continue
            Narrative.objects.update_or_create(self_assessment=sa, item_id=item_id, defaults={"text": text})
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=sa, changes=changes)
    return sa


def self_assessment_submit(*, actor: User, self_assessment: SelfAssessment) -> SelfAssessment:
    _require_own_unit(actor, self_assessment.unit)
    with transaction.atomic():
        sa = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
        if not sa.is_editable:
            raise ValidationError(_("自评材料已提交，不能重复提交。"))
        state = _require_open(year=sa.programme_year_id, unit=sa.unit)
        sa.status = SelfAssessmentStatus.SUBMITTED
        sa.submitted_at = timezone.now()
        sa.submitted_by = actor
        sa.is_late = state.is_late
        sa.save(update_fields=["status", "submitted_at", "submitted_by", "is_late", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=sa,
                     changes={"status": "submitted", "is_late": sa.is_late})
    return sa


def self_assessment_review(
    *, actor: User, self_assessment: SelfAssessment, accept: bool, comment: str = ""
) -> SelfAssessment:
    """The level above accepts the submission, or returns it with comments for the unit to revise."""
    evaluator = parent_evaluator_of(self_assessment.unit)
    allowed = evaluator is not None and (
        (_is_hq(actor) and evaluator.code == "000000")
        or (actor.role == Role.PROVINCE and actor.org_unit_id == evaluator.pk)
    )
    if not allowed:
        raise PermissionDenied(_("只有上级单位可以审核自评材料。"))
    with transaction.atomic():
        sa = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
        if sa.status != SelfAssessmentStatus.SUBMITTED:
            raise ValidationError(_("只能审核已提交的自评材料。"))
        if not accept and not comment.strip():
            raise ValidationError({"review_comment": _("退回时请填写退回意见，说明需要修改的内容。")})
        sa.status = SelfAssessmentStatus.ACCEPTED if accept else SelfAssessmentStatus.RETURNED
        sa.reviewed_at, sa.reviewed_by, sa.review_comment = timezone.now(), actor, comment.strip()
        sa.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=sa,
                     changes={"status": sa.status, "comment": sa.review_comment})
    return sa


# Evidence: accepted types by detected content (magic bytes), never by the client's claim.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def detect_evidence_type(head: bytes, extension: str) -> str | None:
    """The content type when the file's bytes match its extension, else None."""
    if extension not in EVIDENCE_TYPES:
        return None
    if extension == "pdf":
        ok = head.startswith(b"%PDF-")
    elif extension in ("jpg", "jpeg"):
        ok = head.startswith(b"\xff\xd8\xff")
    elif extension == "png":
        ok = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif extension in ("docx", "xlsx", "pptx"):
        ok = head.startswith(b"PK\x03\x04")
    else:
        ok = head.startswith(OLE_MAGIC)
    return EVIDENCE_TYPES[extension] if ok else None


def evidence_upload(*, actor: User, self_assessment: SelfAssessment, upload: UploadedFile,
                    item: IndicatorItem | None = None) -> Evidence:
    _require_own_unit(actor, self_assessment.unit)
    if not self_assessment.is_editable:
        raise ValidationError(_("自评材料已提交，不能再上传佐证材料。"))
    _require_open(year=self_assessment.programme_year_id, unit=self_assessment.unit)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if upload.size is None or upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("文件“%(name)s”超过 20 MB，请压缩后再上传。") % {"name": name}})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = detect_evidence_type(head, extension)
    if content_type is None:
        raise ValidationError({"file": _(
            "文件“%(name)s”的类型不受支持或内容与扩展名不符；请上传 PDF、JPG/PNG 图片或 Word/Excel/PowerPoint 文件。"
        ) % {"name": name}})
    with transaction.atomic():
        evidence = Evidence(self_assessment=self_assessment, item=item, original_name=name,
                            content_type=content_type, size=upload.size, uploaded_by=actor)
        evidence.file.save(f"evidence.{extension}", upload, save=False)
        evidence.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=evidence, changes={"name": name})
    return evidence


# --- Excellent cases and training courses --------------------------------------------------------------


def excellent_case_add(*, actor: User, year: int, district: OrgUnit | None, title: str, summary: str = "",
                       enterprise: Any = None) -> ExcellentCase:
    """A district recommends an excellent case — at most five per district per year (``district`` is the
    actor's own unit; an account without one is refused like any other non-district caller)."""
    if actor is None or district is None or actor.role != Role.DISTRICT or actor.org_unit_id != district.pk:
        raise PermissionDenied(_("优良案例由区县局推荐本区县的案例。"))
    if not title.strip():
        raise ValidationError({"title": _("请填写案例名称。")})
    if enterprise is not None and enterprise.district_id != district.pk:
        raise ValidationError({"enterprise": _("推荐的企业应位于本区县。")})
    full = ValidationError(_("每个区县每年最多推荐 %(n)s 个优良案例，%(year)s年已推荐满额。")
                           % {"n": MAX_CASES_PER_DISTRICT, "year": year})
    try:
        with transaction.atomic():
            OrgUnit.objects.select_for_update().filter(pk=district.pk).first()
            used = set(ExcellentCase.objects.filter(programme_year_id=year, district=district)
                       .values_list("slot", flat=True))
            free = [s for s in range(1, MAX_CASES_PER_DISTRICT + 1) if s not in used]
            if not free:
                raise full
            case = ExcellentCase(programme_year_id=year, district=district, slot=free[0], title=title.strip(),
                                 summary=summary, enterprise=enterprise, created_by=actor)
            case.save()
            audit_record(actor=actor, action=AuditAction.CREATE, obj=case, changes={"title": case.title})
    except IntegrityError as exc:  # a concurrent recommendation took the last slot
        raise full from exc
    return case


def excellent_case_recommend(*, actor: User, case: ExcellentCase, recommend: bool = True) -> ExcellentCase:
    """The province recommends one of its districts' cases to HQ (择优向总局推荐), or withdraws it."""
    province = case.district.province_code
    if (actor is None or actor.role != Role.PROVINCE or actor.org_unit is None
            or actor.org_unit.code != province):
        raise PermissionDenied(_("优良案例由所在省级市场监管部门择优推荐至总局。"))
    if recommend == (case.recommended_at is not None):
        return case
    case.recommended_at = timezone.now() if recommend else None
    case.recommended_by = actor if recommend else None
    case.save(update_fields=["recommended_at", "recommended_by"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=case,
                 changes={"recommended_to_hq": [not recommend, recommend]})
    return case


def training_course_submit(*, actor: User, year: int, title: str, summary: str = "") -> TrainingCourse:
    if actor is None or actor.role != Role.CB or actor.certification_body_id is None:
        raise PermissionDenied(_("培训课程由认证机构报送。"))
    if not title.strip():
        raise ValidationError({"title": _("请填写课程名称。")})
    with transaction.atomic():
        course = TrainingCourse(programme_year_id=year, certification_body_id=actor.certification_body_id,
                                title=title.strip(), summary=summary, created_by=actor)
        course.full_clean()
        course.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=course)
    return course


# --- Evaluation and experts ----------------------------------------------------------------------------


def _require_evaluator(actor: User | None, evaluator: OrgUnit) -> None:
    if evaluator.level == OrgUnitLevel.COUNTRY:
        ok = _is_hq(actor)
    else:
        ok = actor is not None and actor.role == Role.PROVINCE and actor.org_unit_id == evaluator.pk
    if not ok:
        raise PermissionDenied(_("只有评估单位可以进行此操作。"))


@transaction.atomic
def evaluation_ensure(*, actor: User | None, year: int, evaluator: OrgUnit, source: str = "web") -> Evaluation:
    """The evaluation of ``evaluator``'s units for a year (HQ → provinces, a province → districts)."""
    if evaluator.level not in (OrgUnitLevel.COUNTRY, OrgUnitLevel.PROVINCE):
        raise ValidationError(_("只有总局和省局组织工作成效评估。"))
    if source != "seed":
        _require_evaluator(actor, evaluator)
    scheme_ensure(actor=actor, year=year, source=source)
    national = evaluator.level == OrgUnitLevel.COUNTRY
    evaluation, created = Evaluation.objects.get_or_create(
        programme_year_id=year, evaluator=evaluator,
        defaults={"unit_level": OrgUnitLevel.PROVINCE if national else OrgUnitLevel.DISTRICT,
                  "outstanding_top": 10 if national else 3, "most_improved_top": 5 if national else 3},
    )
    if created:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=evaluation, source=source)
    return evaluation


def expert_conflict(expert: User, unit: OrgUnit) -> bool:
    """An expert never scores a unit they belong to (their org unit is the unit or inside it)."""
    return expert.org_unit is not None and expert.org_unit.path.startswith(unit.path)


def expert_assign(*, actor: User, evaluation: Evaluation, expert: User, unit: OrgUnit) -> ExpertAssignment:
    _require_evaluator(actor, evaluation.evaluator)
    if expert.role != Role.EXPERT or not expert.is_active:
        raise ValidationError({"expert": _("“%(name)s”不是评估专家账号。") % {"name": expert.username}})
    if not evaluation.evaluated_units().filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("“%(unit)s”不在本次评估的范围内。") % {"unit": unit.name}})
    if expert_conflict(expert, unit):
        raise ValidationError({"expert": _("专家“%(name)s”属于“%(unit)s”，需回避，不能为本单位评分。")
                               % {"name": expert.get_full_name() or expert.username, "unit": unit.name}})
    if evaluation.is_published:
        raise ValidationError(_("评估结果已发布，不能再分配专家。"))
    with transaction.atomic():
        assignment, created = ExpertAssignment.objects.get_or_create(
            evaluation=evaluation, expert=expert, unit=unit, defaults={"assigned_by": actor})
        if created:
            audit_record(actor=actor, action=AuditAction.CREATE, obj=assignment)
    return assignment


def expert_score_save(*, actor: User, assignment: ExpertAssignment, item: IndicatorItem, score: Any,
                      comment: str) -> ExpertScore:
    if actor is None or actor.pk != assignment.expert_id:
        raise PermissionDenied(_("只能为分配给您的单位评分。"))
    if expert_conflict(actor, assignment.unit):
        raise PermissionDenied(_("您属于被评估单位，需回避。"))
    evaluation = assignment.evaluation
    if evaluation.is_published:
        raise ValidationError(_("评估结果已发布，评分已锁定。"))
    if item.method != Method.EXPERT or item.scheme.programme_year_id != evaluation.programme_year_id:
        raise ValidationError({"item": _("“%(item)s”不是专家评分项目。") % {"item": item.name}})
    try:
        value = Decimal(str(score).strip())
    except InvalidOperation as exc:
        raise ValidationError({"score": _("“%(item)s”的得分应为数字。") % {"item": item.name}}) from exc
    if not Decimal(0) <= value <= item.scale_max:
        raise ValidationError({"score": _("“%(item)s”的得分应在 0 到 %(max)s 之间。")
                               % {"item": item.name, "max": f"{item.scale_max.normalize():f}"}})
    if not comment.strip():
        raise ValidationError({"comment": _("请填写“%(item)s”的评语。") % {"item": item.name}})
    with transaction.atomic():
        _freeze_scheme(item.scheme)
        obj, created = ExpertScore.objects.update_or_create(
            assignment=assignment, item=item, defaults={"score": value, "comment": comment.strip()})
        audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=obj,
                     changes={"score": str(value)})
    return obj


# --- Computing the results -----------------------------------------------------------------------------


def _item_specs(scheme: IndicatorScheme) -> tuple[list[scoring.ItemSpec], list[str]]:
    items = list(scheme.items.select_related("area").order_by("order"))
    specs = [scoring.ItemSpec(code=i.code, area=i.area.number, method=i.method, weight=i.weight,
                              scale_max=i.scale_max) for i in items]
    keys = list(ReferenceIndicator.objects.filter(item__scheme=scheme).exclude(result_key="")
                .order_by("item__order", "number").values_list("result_key", flat=True))
    return specs, keys


def evaluation_compute(*, actor: User | None, evaluation: Evaluation, progress: Progress | None = None,
                       source: str = "web") -> list[UnitResult]:
    """Score and rank every evaluated unit and store the results (a clean redo each time)."""
    if source != "seed":
        _require_evaluator(actor, evaluation.evaluator)
    if Evaluation.objects.filter(pk=evaluation.pk, status=EvaluationStatus.PUBLISHED).exists():
        raise ValidationError(_("评估结果已发布，不能重新计算。"))
    scheme = scheme_ensure(actor=actor, year=evaluation.programme_year_id, source=source)
    specs, result_keys = _item_specs(scheme)
    units = list(evaluation.evaluated_units())
    total_steps = len(units) + 2
    if progress:
        progress(0, total_steps)
    expert_scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for unit_code, item_code, value in ExpertScore.objects.filter(assignment__evaluation=evaluation).values_list(
        "assignment__unit__code", "item__code", "score"
    ):
        expert_scores[(unit_code, item_code)].append(float(value))
    figures = figures_by_unit(year=evaluation.programme_year_id, units=units)
    if progress:
        progress(1, total_steps)
    scores = scoring.score_units(items=specs, unit_codes=[u.code for u in units], expert_scores=expert_scores,
                                 figures=figures, result_keys=result_keys)
    ranked = scoring.assign_ranks(scores.values())
    previous = Evaluation.objects.filter(
        evaluator=evaluation.evaluator, programme_year_id=evaluation.programme_year_id - 1).first()
    previous_ranks = dict(UnitResult.objects.filter(evaluation=previous).values_list("unit__code", "rank")) \
        if previous else {}
    scoring.apply_flags(ranked, previous_ranks=previous_ranks, outstanding_top=evaluation.outstanding_top,
                        most_improved_top=evaluation.most_improved_top)
    by_code = {u.code: u for u in units}
    rows = []
    for done, unit_score in enumerate(ranked, start=1):
        rows.append(UnitResult(
            evaluation=evaluation, unit=by_code[unit_score.code],
            item_scores={k: str(v) for k, v in unit_score.item_points.items()},
            item_raw={k: round(v, 2) for k, v in unit_score.item_raw.items()},
            area_scores={str(k): str(v) for k, v in unit_score.area_points.items()},
            expert_counts=unit_score.expert_counts,
            expert_subtotal=unit_score.expert_subtotal, questionnaire_subtotal=unit_score.questionnaire_subtotal,
            total=unit_score.total, rank=unit_score.rank, previous_rank=unit_score.previous_rank,
            rank_change=unit_score.rank_change, most_improved=unit_score.most_improved,
            outstanding=unit_score.outstanding, notes=unit_score.notes,
        ))
        if progress and done % 8 == 0:
            progress(1 + done, total_steps)
    with transaction.atomic():
        Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
        _freeze_scheme(scheme)
        UnitResult.objects.filter(evaluation=evaluation).delete()
        UnitResult.objects.bulk_create(rows)
        now = timezone.now()
        status = EvaluationStatus.COMPUTED
        Evaluation.objects.filter(pk=evaluation.pk).update(computed_at=now, status=status)
        evaluation.computed_at, evaluation.status = now, status
        audit_bulk(actor=actor, action=AuditAction.OTHER, model=Evaluation,
                   entries=[(evaluation.pk, str(evaluation), {"computed": len(rows)})], source=source)
    if progress:
        progress(total_steps, total_steps)
    return rows


def evaluation_publish(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Make the results visible to the evaluated units."""
    _require_evaluator(actor, evaluation.evaluator)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.status != EvaluationStatus.COMPUTED:
            raise ValidationError(_("请先完成评估计算，再发布结果。") if evaluation.status == EvaluationStatus.OPEN
                                  else _("评估结果已经发布。"))
        evaluation.status = EvaluationStatus.PUBLISHED
        evaluation.published_at, evaluation.published_by = timezone.now(), actor
        evaluation.save(update_fields=["status", "published_at", "published_by"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=evaluation, changes={"status": "published"})
    return evaluation
