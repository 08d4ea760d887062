"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015), validated with python-stdnum."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_problem(value: str) -> str | None:
    """Say in Chinese what is wrong with a USCC, or None when it is valid."""
    code = stdnum_uscc.compact(value or "")
    if len(code) != 18:
        return _("统一社会信用代码应为18位，收到%(n)d位。") % {"n": len(code)}
    bad = [ch for ch in code if ch not in _ALPHABET]
    if bad:
        return _("统一社会信用代码含有无效字符“%(ch)s”（不使用I、O、Z、S、V）。") % {"ch": bad[0]}
    try:
        stdnum_uscc.validate(code)
    except stdnum_exceptions.InvalidChecksum:
        return _("统一社会信用代码校验位错误：第18位应为“%(want)s”，收到“%(got)s”，请核对。") % {
            "want": stdnum_uscc.calc_check_digit(code[:17]),
            "got": code[17],
        }
    except stdnum_exceptions.ValidationError:
        return _("统一社会信用代码格式错误：第1至8位应为数字（登记管理部门代码、机构类别代码和行政区划码）。")
    return None


def normalise_uscc(value: str) -> str:
    return stdnum_uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem:
        raise ValidationError(problem, code="uscc")


def registering_division(code: str) -> str:
    """Characters 3–8 of a USCC: the division where the entity was registered."""
    return normalise_uscc(code)[2:8]
