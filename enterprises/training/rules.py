from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from programme.models import CertificationBody, OrgUnit

from ..intake import cells
from ..models import TrainingDelivery
from .columns import HEADER_OF, MODEL_FIELD_KEY, delivery_labels

# ---- parsing and validating rows ------------------------------------------------------------------
_DELIVERY = cells.choice_map(TrainingDelivery)


def _take(fields: dict[str, Any], errors: list[tuple[str, str]], key: str, read: Any) -> None:
    try:
        fields[key] = read(HEADER_OF[key])
    except cells.CellProblem as problem:
        errors.append((key, problem.message))


def parse_row(
    values: Mapping[str, Any], *, year: int, cb: CertificationBody, districts: Mapping[str, OrgUnit]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One record's cells through the intake's rules (the ledger's, for the same kinds of cell)."""
    fields: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    get = values.get
    _take(fields, errors, "held_on", lambda h: cells.date(get("held_on"), h, year=year))
    _take(fields, errors, "organiser", lambda h: cells.text(get("organiser"), h, limit=128, is_required=True))
    _take(fields, errors, "topic", lambda h: cells.text(get("topic"), h, limit=200, is_required=True))
    _take(fields, errors, "delivery", lambda h: cells.choice(
        get("delivery"), h, mapping=_DELIVERY, labels=delivery_labels, required=True))
    _take(fields, errors, "district_code", lambda h: cells.required(cells.code(get("district_code")), h,
                                                                    _("请填写6位县级行政区划代码。")))
    for key in ("enterprise_count", "person_count"):
        _take(fields, errors, key, lambda h, key=key: cells.required(cells.integer(get(key), h, blank=None), h))
    code = fields.pop("district_code", None)
    if code is not None:
        if code in districts:
            fields["district"] = districts[code]
        else:
            errors.append(
                ("district_code", _("区县代码“%(code)s”不存在或不是县级行政区划，请填写6位县级代码。") % {"code": code})
            )
    claimed_year = cells.as_text(get("programme_year"))
    if claimed_year and claimed_year != str(year):
        errors.append(
            (
                "programme_year",
                _("本行年度为%(v)s，与所选的%(y)d年度不一致，请分年度上传。") % {"v": claimed_year, "y": year},
            )
        )
    claimed_cb = cells.code(get("approval_number"))
    if claimed_cb and claimed_cb != cb.approval_number:
        errors.append(("approval_number", _("本行属于认证机构%(v)s，只能上传本机构的培训记录。") % {"v": claimed_cb}))
    return fields, errors


def model_errors(exc: ValidationError) -> list[tuple[str, str]]:
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


RESOLVED = ["programme_year", "certification_body", "district"]


def row_rules(fields: Mapping[str, Any], *, year: int) -> list[tuple[str, str]]:
    """The model's persons >= enterprises constraint, with a message for the column (the date's year is checked
    by its cell rule)."""
    problems: list[tuple[str, str]] = []
    if fields["enterprise_count"] and fields["person_count"] < fields["enterprise_count"]:
        problems.append(("person_count", _("参训人次不能少于参训企业数，请核对。")))
    return problems
