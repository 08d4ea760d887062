from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.http import AuthenticatedHttpRequest
from portal.listing import paginate
from portal.roles import Role
from portal.user_messages import user_message
from programme.models import ProgrammeYear
from reporting.jobs import job_create

from ..intake.common import XLSX, cb_only
from ..intake.files import UploadRejected
from ..intake.mapping import TRAINING, NeedsMapping, parse_answers, questions, remember, remembered_for
from ..models import TrainingRecord
from .columns import MAX_ROWS
from .forms import TrainingRecordForm, TrainingUploadForm
from .pipeline import BatchRejected, training_batch_create
from .reader import park_upload, parked_path, read_rows, unpark
from .selectors import training_list
from .services import training_record_create
from .template import template_csv as training_template_csv
from .template import template_xlsx as training_template_xlsx

if TYPE_CHECKING:
    from portal.models import User


# ---- training records ----------------------------------------------------------------------------
@login_required
def training_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in {Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB} and not user.is_superuser:  # type: ignore[union-attr,operator]
        raise Http404
    filters = {k: request.GET.get(k, "").strip() for k in ("year", "district", "q")}
    filters = {k: v for k, v in filters.items() if v and (k != "year" or v.isdigit())}
    if request.GET.get("export") == "xlsx":
        job = job_create(actor=user, kind="training_export", title=_("培训台账导出"), params={"filters": filters})
        return redirect("reporting:job_detail", pk=job.pk)
    return render(
        request,
        "enterprises/training_list.html",
        {
            **paginate(request, training_list(user=user, **filters)),
            "params": request.GET,
            "is_cb": user.role == Role.CB,  # type: ignore[union-attr]
        },
    )


@login_required
def training_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    cb_only(request)
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training_record_create(actor=cast("User", request.user), **form.service_fields())
        except PermissionDenied as exc:  # the year's training deadline has passed
            form.add_error(None, str(exc))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("培训记录已保存。"))
            return redirect("enterprises:training_list")
    return render(request, "enterprises/training_form.html", {"form": form})


@login_required
def training_template_download(request: AuthenticatedHttpRequest, year: int, fmt: str) -> HttpResponse:
    if not ProgrammeYear.objects.filter(pk=year).exists() or fmt not in {"xlsx", "csv"}:
        raise Http404
    if fmt == "csv":
        response = HttpResponse(training_template_csv(), content_type="text/csv; charset=utf-8")
    else:
        approval = getattr(request.user.certification_body, "approval_number", "")  # type: ignore[union-attr]
        response = HttpResponse(training_template_xlsx(year=year, approval_number=approval), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="training-template-{year}.{fmt}"'
    return response


@login_required
def training_upload_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a whole training sheet: every row is stored, or none and the page lists each failure. A file
    whose required columns cannot all be found is kept for a moment and the page asks for them (the mapping
    step, answered by a POST with its ``token``)."""
    cb_only(request)
    user = cast("User", request.user)
    cb_id = cast(int, user.certification_body_id)
    form = TrainingUploadForm(request.POST or None, request.FILES or None)
    failures = None
    mapping: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        path = parked_path(token, cb_id=cb_id)
        if path is None:
            raise Http404
        form = TrainingUploadForm({"year": request.POST.get("year", "")})
        form.is_valid()  # the year is checked here; the file is the parked one
        form.errors.pop("file", None)
        outcome = _store_parked(request, form, path, token, cb_id, request.POST.get("year", ""), answering=True)
        if isinstance(outcome, HttpResponse):
            return outcome
        failures, mapping = outcome
    elif request.method == "POST" and form.is_valid():
        try:
            token = park_upload(form.cleaned_data["file"], cb_id=cb_id)
        except UploadRejected as exc:
            form.add_error("file", str(exc))
        else:
            path = parked_path(token, cb_id=cb_id)
            if path is None:
                raise Http404
            outcome = _store_parked(request, form, path, token, cb_id, str(form.cleaned_data["year"]), answering=False)
            if isinstance(outcome, HttpResponse):
                return outcome
            failures, mapping = outcome
    years = [value for value, _label in form.fields["year"].choices][:3]  # type: ignore[attr-defined]
    return render(
        request,
        "enterprises/training_upload.html",
        {"form": form, "failures": failures, "template_years": years, "max_rows": MAX_ROWS, **mapping},
    )


def _store_parked(request: AuthenticatedHttpRequest, form: TrainingUploadForm, path: Path, token: str, cb_id: int,
                  year: str, *, answering: bool) -> HttpResponse | tuple[list[Any] | None, dict[str, Any]]:
    """Read the parked file (with the answers of the mapping step when ``answering``) and store its rows: the
    redirect when stored, else (the failures, the mapping step to show)."""
    user = cast("User", request.user)
    remembered = remembered_for(cb_id, TRAINING)
    chosen: dict[str, int] | None = None
    notes: list[str] = []
    try:
        try:
            rows = read_rows(path, remembered=remembered, ask=True)
        except NeedsMapping as needs:
            if not answering:
                return None, _mapping_context(needs.state, token, year)
            try:
                chosen = parse_answers(needs.state, request.POST)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
                return None, _mapping_context(needs.state, token, year, request.POST)
            rows = read_rows(path, remembered=remembered, chosen=chosen)
            remember(certification_body=user.certification_body, kind=TRAINING, actor=user,  # type: ignore[arg-type]
                     state=needs.state, answers=chosen)
        # The reader's notes (header cells it ignored) are shown whatever becomes of the rows; a file it
        # cannot read at all is an UploadRejected with the reason (never an error of the page).
        notes = rows.warnings
        records = training_batch_create(actor=user, year=int(year) if year.isdigit() else 0, rows=rows,
                                        source="upload")
    except BatchRejected as exc:
        unpark(token, cb_id=cb_id)
        form.add_error(None, str(exc))
        _notes(request, notes)
        return exc.errors, {}
    except (UploadRejected, PermissionDenied) as exc:
        unpark(token, cb_id=cb_id)
        form.add_error("file" if "file" in form.fields else None, str(exc))
        return None, {}
    except ValidationError as exc:
        unpark(token, cb_id=cb_id)
        form.add_error(None, user_message(exc))
        return None, {}
    unpark(token, cb_id=cb_id)
    _notes(request, notes)
    if chosen:
        messages.info(request, _("已记住所选的列：本机构下次上传表头相同的培训台账时将自动匹配。"))
    messages.success(
        request,
        _("已处理%(n)d条培训记录：新增%(created)d条，更新%(updated)d条，未变化%(unchanged)d条。")
        % {"n": len(records), **records.counts},
    )
    for number, record, changed in records.changes[:CHANGES_SHOWN]:
        messages.info(request, _("第%(row)d行（%(date)s %(topic)s）已更新：%(changes)s") % {
            "row": number, "date": record.held_on, "topic": record.topic,
            "changes": "；".join(_change(name, before, after) for name, (before, after) in changed.items()),
        })
    if len(records.changes) > CHANGES_SHOWN:
        messages.info(request, _("另有%(n)d条记录已更新，未逐条列出。") % {"n": len(records.changes) - CHANGES_SHOWN})
    return redirect("enterprises:training_list")


CHANGES_SHOWN = 20


def _change(name: str, before: Any, after: Any) -> str:
    field = TrainingRecord._meta.get_field(name)
    labels = dict(getattr(field, "choices", None) or ())
    return f"{getattr(field, 'verbose_name', name)} {labels.get(before, before)} → {labels.get(after, after)}"


def _notes(request: HttpRequest, notes: list[str]) -> None:
    for note in notes:
        messages.warning(request, note)


def _mapping_context(state: dict[str, Any], token: str, year: str, answers: Any = None) -> dict[str, Any]:
    return {
        "questions": questions(state, answers),
        "token": token,
        "mapping_year": year,
        "table_at": state,
        "matched_columns": [m for m in state.get("matched", []) if m.get("how") != "exact"],
        "ignored_columns": state.get("ignored", []),
    }
