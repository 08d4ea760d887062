"""What an upload waiting for the user's decision would change, one page at a time: for each changed record the
fields whose value changes (the staged row against the stored record, both read for the page shown only), and
the new records with the enterprises they add to the registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from programme.models import OrgUnit

from ..models import (
    AssistanceDimension,
    AssistanceMode,
    CertificationScheme,
    Industry,
    LedgerRecord,
    LedgerStagingRow,
    LedgerUpload,
    MaturityLevel,
    SizeClass,
    StagedAction,
)
from .models import RECORD_FIELDS, LedgerContent

PER_PAGE = 20
_CENT = Decimal("0.01")
_CHOICES: dict[str, Any] = {
    "reported_industry": Industry,
    "reported_size_class": SizeClass,
    "scheme": CertificationScheme,
    "maturity_before": MaturityLevel,
    "maturity_after": MaturityLevel,
}
_MULTI: dict[str, Any] = {"dimensions": AssistanceDimension, "modes": AssistanceMode}
_DISTRICT = "reported_district_id"


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class ChangedRecord:
    row: int
    record_id: int
    uscc: str
    name: str
    changes: list[Change]


@dataclass
class NewRecord:
    row: int
    uscc: str
    name: str
    new_enterprise: bool


def _label(name: str) -> str:
    return str(getattr(LedgerContent._meta.get_field(name.removesuffix("_id")), "verbose_name", name))


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(_CENT)
    return value


def _shown(name: str, value: Any, districts: dict[int, str]) -> str:
    if value is None or value == "":
        return _("（空）")
    if name == _DISTRICT:
        return districts.get(value, str(value))
    if name in _CHOICES:
        return str(dict(_CHOICES[name].choices).get(value, value))
    if name in _MULTI:
        labels = dict(_MULTI[name].choices)
        return "、".join(str(labels.get(code, code)) for code in str(value).split(",") if code)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.quantize(_CENT):f}"
    return str(value)


def _staged(upload: LedgerUpload, action: str) -> Any:
    return LedgerStagingRow.objects.filter(upload=upload, action=action).order_by("row_number")


def changed_page(upload: LedgerUpload, number: Any) -> Page[Any]:
    """The page ``number`` of the upload's changed records, each with what changes (before → after)."""
    paginator = Paginator(_staged(upload, StagedAction.CHANGED).values_list("pk", flat=True), PER_PAGE)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = list(
        LedgerStagingRow.objects.filter(pk__in=ids).order_by("row_number")
        .values_list("row_number", "record_id", "uscc", *RECORD_FIELDS)
    )
    stored = {
        pk: values
        for pk, *values in LedgerRecord.objects.filter(
            pk__in=[r[1] for r in rows], certification_body_id=upload.certification_body_id
        ).order_by().values_list("pk", *RECORD_FIELDS)
    }
    at = RECORD_FIELDS.index(_DISTRICT)
    district_ids = {r[3 + at] for r in rows} | {v[at] for v in stored.values()}
    districts = {
        pk: f"{code} {name}" for pk, code, name in OrgUnit.objects.filter(pk__in=district_ids).values_list(
            "pk", "code", "name"
        )
    }
    items: list[ChangedRecord] = []
    for row_number, record_id, uscc, *after in rows:
        before = stored.get(record_id)
        if before is None:
            continue  # deleted since the preview: the commit validates again
        changes = [
            Change(_label(name), _shown(name, old, districts), _shown(name, new, districts))
            for name, old, new in zip(RECORD_FIELDS, before, after, strict=True)
            if _comparable(old) != _comparable(new)
        ]
        name = after[RECORD_FIELDS.index("reported_name")]
        items.append(ChangedRecord(row_number, record_id, uscc, name, changes))
    page.object_list = items
    return page


def new_page(upload: LedgerUpload, number: Any) -> Page[Any]:
    """The page ``number`` of the upload's new records; ``new_enterprise`` for those whose enterprise is not in
    the registry yet (the commit adds it)."""
    queryset = _staged(upload, StagedAction.NEW).values_list("row_number", "uscc", "reported_name", "enterprise_id")
    page = Paginator(queryset, PER_PAGE).get_page(number)
    page.object_list = [NewRecord(row, uscc, name, ent is None) for row, uscc, name, ent in page.object_list]
    return page


def new_enterprise_count(upload: LedgerUpload) -> int:
    return _staged(upload, StagedAction.NEW).filter(enterprise_id__isnull=True).count()
