from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from programme.models import CertificationBody, OrgUnit

from ..intake.reader import norm_header
from ..models import TrainingDelivery
from .columns import HEADER_OF, MODEL_FIELD_KEY, delivery_labels
from .services import training_date_problem


# ---- parsing and validating rows ------------------------------------------------------------------
def text_of(value: Any) -> str:
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
    text = text_of(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError as exc:
        raise ValueError(_("日期“%(v)s”无法识别，请按YYYY-MM-DD填写，如2024-06-18。") % {"v": text_of(value)}) from exc


def _count(value: Any) -> int:
    text = text_of(value)
    try:
        number = float(text) if text else None
    except ValueError:
        number = None
    if number is None or not number.is_integer() or number < 0:
        raise ValueError(_("“%(v)s”不是不小于0的整数，请填写整数。") % {"v": text})
    return int(number)


def _delivery(value: Any) -> str:
    accepted = {norm_header(str(label)): code for code, label in TrainingDelivery.choices}
    accepted.update(zip(map(norm_header, delivery_labels()), TrainingDelivery.values, strict=True))
    accepted.update({code: code for code in TrainingDelivery.values})
    code = accepted.get(norm_header(text_of(value)).lower())
    if code is None:
        labels = "、".join(delivery_labels())
        raise ValueError(_("“%(v)s”不是有效的形式，请填写%(labels)s。") % {"v": text_of(value), "labels": labels})
    return code


def parse_row(
    values: Mapping[str, Any], *, year: int, cb: CertificationBody, districts: Mapping[str, OrgUnit]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    fields: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []

    def take(key: str, convert: Any) -> None:
        raw = values.get(key)
        if text_of(raw) == "":
            errors.append((key, _("“%(col)s”未填写，请填写。") % {"col": HEADER_OF[key]}))
            return
        try:
            fields[key] = convert(raw)
        except ValueError as exc:
            errors.append((key, str(exc)))

    take("held_on", _date)
    take("organiser", text_of)
    take("topic", text_of)
    take("delivery", _delivery)
    take("district_code", text_of)
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
    claimed_year = text_of(values.get("programme_year"))
    if claimed_year and claimed_year != str(year):
        errors.append(
            (
                "programme_year",
                _("本行年度为%(v)s，与所选的%(y)d年度不一致，请分年度上传。") % {"v": claimed_year, "y": year},
            )
        )
    claimed_cb = text_of(values.get("approval_number"))
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
    """The checks of ``training_record_create`` and the model's persons >= enterprises constraint, with a
    message per column."""
    problems: list[tuple[str, str]] = []
    if date_problem := training_date_problem(fields["held_on"], year):
        problems.append(("held_on", date_problem))
    if fields["enterprise_count"] and fields["person_count"] < fields["enterprise_count"]:
        problems.append(("person_count", _("参训人次不能少于参训企业数，请核对。")))
    return problems
