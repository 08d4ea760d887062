"""Training records (培训台账) in bulk: the XLSX/CSV template, reading an uploaded file, and the all-or-nothing
batch used by both the upload page and the API.

A batch is validated row by row with the rules of ``services.training_record_create`` (the year of the
training date, the model's ``full_clean`` with its constraints) plus the training deadline of the year;
if any row fails nothing is stored and every failure is returned as (row, column, message).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.audit import audit_bulk
from portal.models import AuditAction
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel
from reporting.xlsx import csv_bytes, new_workbook, workbook_bytes, write_table, xlsx_cell

from ..intake.common import programme_year_of, require_cb, year_choices
from ..intake.files import UploadRejected, check_size, inspect_file
from ..intake.reader import norm_header, open_table
from ..models import TrainingDelivery, TrainingRecord
from .services import ensure_training_open, training_date_problem

MAX_ROWS = 2000
# 2,000 rows of training records are well under 1 MB; files are read inside the request, so keep them small.
MAX_FILE_BYTES = 2 * 1024 * 1024
DATA_SHEET = "培训台账"
INSTRUCTIONS_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str  # the API field name
    header: str  # the Chinese header in the template (the same as the training export)
    help: str
    width: int = 16


# The template's columns, in order. The headers are those of the training export, so an exported sheet
# can be uploaded again (its extra columns are checked or ignored, see OPTIONAL below).
COLUMNS = [
    Column("held_on", "培训日期", "YYYY-MM-DD，须在所选年度内", 14),
    Column("organiser", "主办单位", "不超过128字", 24),
    Column("topic", "培训主题", "不超过200字；同一日期、区县、主题只能有一条", 36),
    Column("delivery", "形式", "线上或线下", 10),
    Column("district_code", "区县代码", "6位县级行政区划代码（GB/T 2260），如120113", 12),
    Column("enterprise_count", "参训企业（家）", "不小于0的整数", 14),
    Column("person_count", "参训人次", "不小于0的整数，不少于参训企业数", 12),
]
HEADERS = [c.header for c in COLUMNS]
HEADER_OF = {c.key: c.header for c in COLUMNS}
FIELDS = [c.key for c in COLUMNS]
# Columns of the export that may be present in an upload: when filled they must match the upload.
OPTIONAL = {"programme_year": "年度", "approval_number": "认证机构批准号"}
MODEL_FIELD_KEY = {"district": "district_code", "programme_year": "held_on"}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (header = row 1), the record's index in an API batch, or -1 (all)
    field: str  # the API field name ("" for the row as a whole)
    message: str

    @property
    def column(self) -> str:
        return HEADER_OF.get(self.field, OPTIONAL.get(self.field, self.field))


TRAINING_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, cb id)


def _lock_training_batches(cb: CertificationBody) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TRAINING_LOCK_NAMESPACE, cb.pk])
    else:  # SQLite serialises writers itself
        CertificationBody.objects.select_for_update().filter(pk=cb.pk).exists()


class BatchRejected(Exception):
    """At least one row failed; nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(ngettext("%(n)d处错误，未保存任何记录。", "%(n)d处错误，未保存任何记录。", len(errors))
                         % {"n": len(errors)})
        self.errors = errors


class TrainingUploadForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, choices=year_choices)
    file = forms.FileField(
        label=gettext_lazy("培训台账文件（.xlsx 或 .csv）"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request, in the user's language (a lazy string formatted at import would be frozen).
        self.fields["file"].help_text = _(
            "使用本页的模板填写；CSV可为UTF-8（含或不含BOM）或GB18030编码。每个文件最多%(n)d行；"
            "任何一行有误则全部不保存，请按错误列表修改后重新上传。"
        ) % {"n": MAX_ROWS}


# ---- template -------------------------------------------------------------------------------------
def template_xlsx(*, year: int, approval_number: str = "") -> bytes:
    wb = new_workbook()
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    data = wb.create_sheet(DATA_SHEET)
    wb.active = 1
    write_table(data, HEADERS, [], widths=[c.width for c in COLUMNS])
    delivery_col = get_column_letter(FIELDS.index("delivery") + 1)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(_delivery_labels()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error="“形式”请从下拉列表中选择。",
    )
    dv.add(f"{delivery_col}2:{delivery_col}{MAX_ROWS + 1}")
    data.data_validations.append(dv)

    intro = [
        _("1. 每次培训填一行，在“%(sheet)s”工作表第1行保留表头，从第2行开始填写。") % {"sheet": DATA_SHEET},
        _("2. 培训日期须在%(y)d年度内（%(y)d-01-01至%(y)d-12-31）。") % {"y": year},
        _("3. 参训人次不少于参训企业数；同一日期、区县、主题的培训只能有一条。"),
        _("4. 每个文件最多%(n)d行；任何一行有误则全部不保存，页面会列出每处错误的行号、列名和修改方法。")
        % {"n": MAX_ROWS},
        _("5. 也可另存为CSV（UTF-8或GB18030编码）上传；表头须与本模板一致。"),
        _("6. 年度截止后不能再上传，如需补报请联系省局批准延期。"),
    ]
    if approval_number:
        intro.append(_("7. 本模板供认证机构 %(no)s 使用，只能填报本机构的培训记录。") % {"no": approval_number})
    title = xlsx_cell(notes, _("%(y)d年度 培训台账填写说明") % {"y": year}, font=Font(bold=True, size=14))
    write_table(
        notes,
        [_("列名"), _("填写要求")],
        ([c.header, c.help] for c in COLUMNS),
        above=[[title], *([line] for line in intro)],
        widths=[20, 60],
        autofilter=False,
        freeze=False,
    )
    return workbook_bytes(wb)


def template_csv() -> bytes:
    return csv_bytes(HEADERS, [])


# ---- reading a file -------------------------------------------------------------------------------
_WANTED = {norm_header(h): key for key, h in [*((c.key, c.header) for c in COLUMNS), *OPTIONAL.items()]}


def _positions(headers: Sequence[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _WANTED.get(norm_header(header))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [c.header for c in COLUMNS if c.key not in positions]
    if missing:
        raise UploadRejected(
            _("表头缺少列：%(cols)s。请使用培训台账模板（第1行为表头）。") % {"cols": "、".join(missing)}
        )
    return positions


def _records(positions: dict[str, int], rows: Iterator[tuple[int, Sequence[Any]]]) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for number, row in rows:
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        if len(out) >= MAX_ROWS:
            raise UploadRejected(_("文件超过%(n)d行，请拆分为多个文件分别上传。") % {"n": MAX_ROWS})
        out.append((number, {key: row[i] if i < len(row) else None for key, i in positions.items()}))
    if not out:
        raise UploadRejected(_("文件中没有培训记录，请在表头下方逐行填写。"))
    return out


def read_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """The (row number, values by field) of a training file's non-empty rows, after the hostile-file
    guards of the ledger upload; raise :class:`UploadRejected` when the file as a whole is refused."""
    table = open_table(
        path,
        inspect_file(path),
        sheet_name=DATA_SHEET,
        marker=COLUMNS[0].header,
        no_sheet=_("没有找到培训台账工作表：请使用培训台账模板，在“%(sheet)s”工作表第1行保留表头。")
        % {"sheet": DATA_SHEET},
        empty_csv=_("CSV文件是空的，请使用培训台账模板填写后上传。"),
    )
    return _records(_positions(table.headers), table.rows)


def read_upload(uploaded_file: UploadedFile) -> list[tuple[int, dict[str, Any]]]:
    check_size(uploaded_file.size or 0)
    if (uploaded_file.size or 0) > MAX_FILE_BYTES:
        raise UploadRejected(
            _("培训台账文件不应超过%(mb)d MB（最多%(n)d行）。请删除多余内容或拆分后上传。")
            % {"mb": MAX_FILE_BYTES // 1024 // 1024, "n": MAX_ROWS}
        )
    suffix = Path(uploaded_file.name or "").suffix.lower()[:8]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in uploaded_file.chunks():
            tmp.write(chunk)
        tmp.flush()
        return read_rows(tmp.name)


# ---- parsing and validating rows ------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError as exc:
        raise ValueError(_("日期“%(v)s”无法识别，请按YYYY-MM-DD填写，如2024-06-18。") % {"v": _text(value)}) from exc


def _count(value: Any) -> int:
    text = _text(value)
    try:
        number = float(text) if text else None
    except ValueError:
        number = None
    if number is None or not number.is_integer() or number < 0:
        raise ValueError(_("“%(v)s”不是不小于0的整数，请填写整数。") % {"v": text})
    return int(number)


def _delivery_labels() -> list[str]:
    """The labels as written in the template: always Chinese, whatever language the page is in."""
    with translation.override(settings.LANGUAGE_CODE):
        return [str(label) for label in TrainingDelivery.labels]


def _delivery(value: Any) -> str:
    accepted = {norm_header(str(label)): code for code, label in TrainingDelivery.choices}
    accepted.update(zip(map(norm_header, _delivery_labels()), TrainingDelivery.values, strict=True))
    accepted.update({code: code for code in TrainingDelivery.values})
    code = accepted.get(norm_header(_text(value)).lower())
    if code is None:
        labels = "、".join(_delivery_labels())
        raise ValueError(_("“%(v)s”不是有效的形式，请填写%(labels)s。") % {"v": _text(value), "labels": labels})
    return code


def _parse(
    values: Mapping[str, Any], *, year: int, cb: CertificationBody, districts: Mapping[str, OrgUnit]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    fields: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []

    def take(key: str, convert: Any) -> None:
        raw = values.get(key)
        if _text(raw) == "":
            errors.append((key, _("“%(col)s”未填写，请填写。") % {"col": HEADER_OF[key]}))
            return
        try:
            fields[key] = convert(raw)
        except ValueError as exc:
            errors.append((key, str(exc)))

    take("held_on", _date)
    take("organiser", _text)
    take("topic", _text)
    take("delivery", _delivery)
    take("district_code", _text)
    take("enterprise_count", _count)
    take("person_count", _count)
    code = fields.pop("district_code", None)
    if code is not None:
        if code in districts:
            fields["district"] = districts[code]
        else:
            errors.append(
                ("district_code", _("区县代码“%(code)s”不存在或不是县级行政区划，请填写6位县级代码。") % {"code": code})
            )
    claimed_year = _text(values.get("programme_year"))
    if claimed_year and claimed_year != str(year):
        errors.append(
            (
                "programme_year",
                _("本行年度为%(v)s，与所选的%(y)d年度不一致，请分年度上传。") % {"v": claimed_year, "y": year},
            )
        )
    claimed_cb = _text(values.get("approval_number"))
    if claimed_cb and claimed_cb != cb.approval_number:
        errors.append(("approval_number", _("本行属于认证机构%(v)s，只能上传本机构的培训记录。") % {"v": claimed_cb}))
    return fields, errors


def _model_errors(exc: ValidationError) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, errors in exc.error_dict.items():
        for error in errors:
            message = "；".join(error.messages)
            if name == "__all__" and error.code in {"unique", "unique_together"}:
                found.append(("topic", _("本机构已有同一日期、区县、主题的培训记录，请勿重复上传。")))
            elif name == "__all__":
                found.append(("", message))
            else:
                found.append((MODEL_FIELD_KEY.get(name, name), message))
    return found


_RESOLVED = ["programme_year", "certification_body", "district"]


def _row_rules(fields: Mapping[str, Any], *, year: int) -> list[tuple[str, str]]:
    """The checks of ``training_record_create`` and the model's persons >= enterprises constraint, with a
    message per column."""
    problems: list[tuple[str, str]] = []
    if date_problem := training_date_problem(fields["held_on"], year):
        problems.append(("held_on", date_problem))
    if fields["enterprise_count"] and fields["person_count"] < fields["enterprise_count"]:
        problems.append(("person_count", _("参训人次不能少于参训企业数，请核对。")))
    return problems


def training_batch_create(
    *, actor: Any, year: int, rows: Sequence[tuple[int, Mapping[str, Any]]], source: str = "upload"
) -> list[TrainingRecord]:
    """Store every row or none. ``rows`` are (row number, values by field name); raise
    :class:`BatchRejected` with every failure, ``PermissionDenied`` for a non-CB or a locked year."""
    cb = require_cb(actor)
    programme_year = programme_year_of(year)
    if not rows:
        raise ValidationError({"records": _("请至少提交一条记录。")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"records": _("每批最多%(n)d条记录，请分批提交。") % {"n": MAX_ROWS}})
    ensure_training_open(year=programme_year.year, certification_body=cb)
    codes = {_text(values.get("district_code")) for _n, values in rows}
    districts = {u.code: u for u in OrgUnit.objects.filter(code__in=codes, level=OrgUnitLevel.DISTRICT)}
    with transaction.atomic():
        # One batch per CB at a time, so the duplicate checks below still hold when the rows are inserted. A
        # training-only lock: the CB row itself is locked by ledger merges, which may run for a while.
        _lock_training_batches(cb)
        errors: list[RowError] = []
        records: list[TrainingRecord] = []
        seen: dict[tuple[Any, ...], int] = {}
        stored = set(
            TrainingRecord.objects.filter(programme_year=programme_year, certification_body=cb).values_list(
                "held_on", "topic", "district_id"
            )
        )
        for number, values in rows:
            fields, problems = _parse(values, year=programme_year.year, cb=cb, districts=districts)
            if not problems:
                problems = _row_rules(fields, year=programme_year.year)
                key = (fields["held_on"], fields["topic"], fields["district"].pk)
                if key in stored:
                    problems.append(("topic", _("本机构已有同一日期、区县、主题的培训记录，请勿重复上传。")))
                elif key in seen:
                    problems.append(
                        ("topic", _("与第%(n)d行的日期、区县、主题相同，请合并或删除重复行。") % {"n": seen[key]})
                    )
                else:
                    seen[key] = number
            if not problems:
                record = TrainingRecord(programme_year=programme_year, certification_body=cb, source=source, **fields)
                try:
                    # The foreign keys are rows just read from the database and the two constraints
                    # (natural key, persons >= enterprises) are checked above for the whole batch at once;
                    # the insert below still enforces them, so a miss can only reject the batch.
                    record.full_clean(exclude=_RESOLVED, validate_constraints=False)
                except ValidationError as exc:
                    problems.extend(_model_errors(exc))
                else:
                    records.append(record)
            errors.extend(RowError(number, field, message) for field, message in problems)
        if errors:
            raise BatchRejected(errors)
        try:
            with transaction.atomic():
                TrainingRecord.objects.bulk_create(records)
        except IntegrityError as exc:
            raise BatchRejected(
                [RowError(-1, "", _("保存时发现与已有记录冲突（可能同时有其他上传），未保存任何记录，请重新上传。"))]
            ) from exc
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            model=TrainingRecord,
            entries=(
                (r.pk, str(r), {"topic": r.topic, "held_on": str(r.held_on), "person_count": r.person_count})
                for r in records
            ),
            source=source,
        )
    return records


def training_upload(*, actor: Any, year: int, uploaded_file: UploadedFile) -> list[TrainingRecord]:
    """The upload page: read the file (``UploadRejected`` for the file as a whole) and store all rows."""
    require_cb(actor)
    return training_batch_create(actor=actor, year=year, rows=read_upload(uploaded_file), source="upload")


__all__ = [
    "COLUMNS",
    "HEADERS",
    "MAX_ROWS",
    "BatchRejected",
    "RowError",
    "TrainingUploadForm",
    "UploadRejected",
    "ensure_training_open",
    "read_rows",
    "template_csv",
    "template_xlsx",
    "training_batch_create",
    "training_upload",
]
