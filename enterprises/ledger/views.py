from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.audit import audit_history
from portal.figures import cached_figures, scope_of, wide_scope
from portal.http import AuthenticatedHttpRequest
from portal.listing import Counted, paginate
from portal.roles import Role
from portal.scoping import get_visible_or_404
from portal.user_messages import user_message
from programme.models import OrgUnit, OrgUnitLevel, ProgrammeYear
from reporting.jobs import job_create
from reporting.models import JobStatus

from ..intake.common import XLSX, cb_only
from ..intake.mapping import questions
from ..models import (
    AssistanceDimension,
    AssistanceMode,
    LedgerRecord,
    LedgerUpload,
    UploadStatus,
)
from .forms import LedgerUploadForm
from .preview import changed_page, new_enterprise_count, new_page
from .selectors import LedgerPages, ledger_list, upload_list
from .services import (
    ledger_record_delete,
    ledger_upload_commit,
    ledger_upload_create,
    ledger_upload_discard,
    ledger_upload_map_columns,
)
from .template import template_csv, template_xlsx

# ---- ledger records ------------------------------------------------------------------------------
LEDGER_FILTERS = ("year", "q", "district", "cb", "certified", "dimension", "mode")


def _ledger_filters(request: HttpRequest) -> dict[str, Any]:
    params = {key: request.GET.get(key, "").strip() for key in LEDGER_FILTERS}
    if params["year"] and not params["year"].isdigit():
        params["year"] = ""
    return {k: v for k, v in params.items() if v}


@login_required
def ledger_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.ENTERPRISE or user.role == Role.EXPERT:  # type: ignore[union-attr]
        raise Http404
    filters = _ledger_filters(request)
    if request.GET.get("export") == "xlsx":
        job = job_create(actor=user, kind="ledger_export", title=_("帮扶台账导出"), params={"filters": filters})
        return redirect("reporting:job_detail", pk=job.pk)
    qs = ledger_list(user=user, **filters)
    count, count_as_of = None, None
    if wide_scope(user):
        # A national or provincial ledger holds up to hundreds of thousands of records: its count (per scope and
        # filters) is kept for a minute and shown with its time; the records listed are always current.
        counted = cached_figures("ledger-count", scope_of(user), sorted(filters.items()), compute=qs.count)
        count, count_as_of = counted.value, counted.as_of
    # Without a year, pages are cut year by year (same rows and order, no sort of every year).
    listing: Any = qs
    if "year" not in filters:
        listing = LedgerPages(qs, count=count)
    elif count is not None:
        listing = Counted(qs, count)
    return render(
        request,
        "enterprises/ledger_list.html",
        {
            **paginate(request, listing),
            "count_as_of": count_as_of,
            "params": request.GET,
            "years": ProgrammeYear.objects.order_by("-year").values_list("year", flat=True),
            "dimensions": AssistanceDimension.choices,
            "modes": AssistanceMode.choices,
            "is_cb": user.role == Role.CB,  # type: ignore[union-attr]
        },
    )


@login_required
def ledger_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_visible_or_404(
        LedgerRecord.objects.select_related("enterprise__district", "certification_body", "reported_district"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "enterprises/ledger_detail.html",
        {
            "record": record,
            "history": audit_history(obj=record)[:100],
            "can_delete": request.user.certification_body_id == record.certification_body_id,  # type: ignore[union-attr]
        },
    )


@login_required
@require_POST
def ledger_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_visible_or_404(LedgerRecord.objects.select_related("enterprise"), request.user, pk=pk)
    try:
        ledger_record_delete(actor=request.user, record=record)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, user_message(exc))
        return redirect("enterprises:ledger_detail", pk=pk)
    messages.success(request, _("台账记录已删除。"))
    return redirect("enterprises:ledger_list")


# ---- template and uploads ------------------------------------------------------------------------
@login_required
def template_download(request: AuthenticatedHttpRequest, year: int, fmt: str) -> HttpResponse:
    if not ProgrammeYear.objects.filter(pk=year).exists() or fmt not in {"xlsx", "csv"}:
        raise Http404
    approval = getattr(request.user.certification_body, "approval_number", "")  # type: ignore[union-attr]
    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_cached_template_xlsx(year=year, approval_number=approval), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-template-{year}.{fmt}"'
    return response


def _cached_template_xlsx(*, year: int, approval_number: str) -> bytes:
    """The XLSX template is the same for the same year, CB and list of districts (its 区县代码 sheet), and
    building it takes about half a second: each worker process keeps recent ones, keyed by a digest of
    exactly those inputs (a new release starts with new processes, so code changes are never masked)."""
    units = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True).order_by("code")
    digest = hashlib.sha256(repr(list(units.values_list("code", "name", "full_name"))).encode()).hexdigest()
    return _template_xlsx(year, approval_number, digest)


@functools.lru_cache(maxsize=32)
def _template_xlsx(year: int, approval_number: str, districts_digest: str) -> bytes:
    return template_xlsx(year=year, approval_number=approval_number)


@login_required
def upload_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in {Role.CB, Role.HQ} and not user.is_superuser:  # type: ignore[union-attr,operator]
        raise Http404
    form = LedgerUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"year": ProgrammeYear.objects.order_by("-year").values_list("year", flat=True).first()},
    )
    if request.method == "POST":
        cb_only(request)
        if form.is_valid():
            try:
                upload = ledger_upload_create(
                    actor=user, year=form.cleaned_data["year"], uploaded_file=form.cleaned_data["file"]
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error("file", user_message(exc))
            else:
                return redirect("enterprises:upload_detail", pk=upload.pk)
    return render(
        request,
        "enterprises/upload_list.html",
        {
            **paginate(request, upload_list(user=user), per_page=20),
            "form": form,
            "is_cb": user.role == Role.CB,  # type: ignore[union-attr]
        },
    )


def _upload(request: HttpRequest, pk: int) -> LedgerUpload:
    return get_visible_or_404(
        LedgerUpload.objects.select_related("job", "commit_job", "uploaded_by"), request.user, pk=pk
    )


_WORKING = {UploadStatus.VALIDATING, UploadStatus.COMMITTING}
_DISCARDABLE = {UploadStatus.READY, UploadStatus.MAPPING, UploadStatus.FAILED, UploadStatus.REJECTED}


def _progress(upload: LedgerUpload) -> dict[str, Any]:
    """What the status panel shows: the job at work, whether the page keeps polling (only while that job may still
    finish: queued, running, or awaiting the worker), and what to tell the user when it stopped without the
    upload saying so (a job that failed: the upload would otherwise stay “校验中” forever)."""
    job = upload.commit_job if upload.status == UploadStatus.COMMITTING else upload.job
    stalled = upload.status in _WORKING and job is not None and job.status in {JobStatus.FAILED, JobStatus.CANCELLED}
    stalled_message = ""
    if stalled:
        stalled_message = (
            _("入库时出错，本次上传未写入任何记录，请放弃后重新上传；如仍失败请联系管理员。")
            if upload.status == UploadStatus.COMMITTING
            else _("校验时出错，本次上传未保存任何记录，请放弃后重新上传；如仍失败请联系管理员。")
        )
    return {
        "job": job,
        "busy": upload.status in _WORKING and not stalled,
        "stalled_message": stalled_message,
        "can_discard": upload.status in _DISCARDABLE or stalled,
    }


_HOW = {
    "exact": gettext_lazy("与模板一致"),
    "synonym": gettext_lazy("同义列名"),
    "near": gettext_lazy("相近列名"),
    "remembered": gettext_lazy("按本机构上次的选择"),
    "chosen": gettext_lazy("本次选择"),
}


def _preview(request: HttpRequest, upload: LedgerUpload) -> dict[str, Any]:
    """The lists of a validated upload, one shown at a time (``?show=``, paginated): the failed rows, the
    changed records with what changes, the new records."""
    if upload.status not in {UploadStatus.READY, UploadStatus.COMMITTING}:
        errors = upload.errors
        page = paginate(request, _ListQuery(errors), per_page=100) if errors else {}  # type: ignore[arg-type]
        return {"error_page": page.get("page_obj"), "querystring": page.get("querystring", ""), "show": "errors"}
    tabs = [name for name, n in (("errors", upload.failed_count), ("changed", upload.changed_count),
                                 ("new", upload.new_count)) if n]
    show = request.GET.get("show", "")
    if show not in tabs:
        show = tabs[0] if tabs else ""
    query = request.GET.copy()
    query.pop("page", None)
    query["show"] = show
    context: dict[str, Any] = {"show": show, "tabs": tabs, "querystring": query.urlencode()}
    if show == "errors":
        context["error_page"] = paginate(request, _ListQuery(upload.errors), per_page=100)["page_obj"]  # type: ignore[arg-type]
    elif show == "changed":
        context["changed_page"] = changed_page(upload, request.GET.get("page"))
    elif show == "new":
        context["new_page"] = new_page(upload, request.GET.get("page"))
    if upload.new_count:
        context["new_enterprises"] = new_enterprise_count(upload)
    return context


@login_required
def upload_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The upload's status and outcome; a POST answers its mapping step (the columns chosen)."""
    upload = _upload(request, pk)
    if request.method == "POST":
        return _answer_columns(request, upload)
    state = upload.header_map or {}
    mapping: dict[str, Any] = {}
    if state:
        mapping = {
            "matched_columns": [
                {**m, "how_label": _HOW.get(m.get("how", ""), "")} for m in state.get("matched", [])
                if m.get("how") != "exact"
            ],
            "ignored_columns": state.get("ignored", []),
            "table_at": state,
        }
    if upload.status == UploadStatus.MAPPING:
        mapping["questions"] = questions(state, request.GET or None)
    return render(
        request,
        "enterprises/upload_detail.html",
        {
            "upload": upload,
            **_preview(request, upload),
            **mapping,
            "warnings": upload.warnings_list[:200],
            "warning_more": max(0, len(upload.warnings_list) - 200),
            **_progress(upload),
            "can_act": request.user.certification_body_id == upload.certification_body_id,  # type: ignore[union-attr]
        },
    )


def _answer_columns(request: AuthenticatedHttpRequest, upload: LedgerUpload) -> HttpResponse:
    """The answers of the mapping step: the file is validated again with them."""
    pk = upload.pk
    try:
        ledger_upload_map_columns(actor=request.user, upload=upload, data=request.POST)
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
        picked = {k: str(v) for k, v in request.POST.items() if k.startswith("col-")}
        target = reverse("enterprises:upload_detail", args=[pk])
        return redirect(f"{target}?{urlencode(picked)}" if picked else target)
    messages.success(request, _("已按所选的列重新校验文件；本机构下次上传同样的表头时将自动匹配。"))
    return redirect("enterprises:upload_detail", pk=pk)


class _ListQuery(list):  # type: ignore[type-arg]
    """Let the paginator page through a plain list (the upload's issues)."""

    def count(self) -> int:  # type: ignore[override]
        return len(self)


@login_required
def upload_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    state = _progress(upload)
    response = render(request, "enterprises/_upload_status.html", {"upload": upload, **state})
    if not state["busy"]:
        # Finished (or stopped): the panel no longer polls and the whole page is loaded again with the outcome.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def upload_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    try:
        ledger_upload_commit(actor=request.user, upload=upload)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, user_message(exc))
    return redirect("enterprises:upload_detail", pk=pk)


@login_required
@require_POST
def upload_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    try:
        ledger_upload_discard(actor=request.user, upload=upload)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, user_message(exc))
    else:
        messages.success(request, _("已放弃本次上传，没有写入任何记录。"))
    return redirect("enterprises:upload_detail", pk=pk)


@login_required
def upload_failed_rows(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    upload = _upload(request, pk)
    if not upload.failed_file:
        raise Http404
    return FileResponse(
        upload.failed_file.open("rb"), as_attachment=True, filename=f"failed-rows-{upload.pk}.xlsx", content_type=XLSX
    )
