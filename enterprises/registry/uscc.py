"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015): the one rule, used by the model's validator, the
ledger's rows, the API and every form.

A code is read the way people type it: full-width characters become ASCII (NFKC), spaces and hyphens are
removed and letters are upper-cased; what is stored and echoed is that normalised form. GB 32100's positions:
1 登记管理部门代码 and 2 机构类别代码 (a character of the code alphabet), 3–8 登记管理机关行政区划码 (digits),
9–17 主体标识码 (the code alphabet), 18 the check character (weights 3^i mod 31 over positions 1–17).
"""

from __future__ import annotations

import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # digits and the upper-case letters except I, O, Z, S, V
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_SEPARATORS = dict.fromkeys(map(ord, " -\t\r\n"))


def normalise_uscc(value: object) -> str:
    """The stored form of a code as typed: NFKC (full-width → ASCII), no spaces or hyphens, upper case."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_SEPARATORS).upper()


def check_character(code: str) -> str:
    """The 18th character for the first 17 of a code (every one of them in :data:`ALPHABET`)."""
    total = sum(map(operator.mul, map(_VALUE.__getitem__, code[:17]), _WEIGHTS))
    return ALPHABET[-total % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether a normalised code follows GB 32100 (positions and check character)."""
    return len(code) == 18 and _SHAPE.fullmatch(code) is not None and check_character(code) == code[17]


def uscc_problem(value: object) -> str | None:
    """Say in Chinese what is wrong with a code (normalised first), or None when it is valid."""
    code = normalise_uscc(value)
    if is_valid_uscc(code):
        return None
    if len(code) != 18:
        return _("统一社会信用代码应为18位，收到%(n)d位。") % {"n": len(code)}
    bad = next((ch for ch in code if ch not in _VALUE), None)
    if bad is not None:
        if bad in "IOZSV":
            return _("统一社会信用代码含有无效字符“%(ch)s”（代码不使用字母I、O、Z、S、V）。") % {"ch": bad}
        return _("统一社会信用代码含有无效字符“%(ch)s”（只能使用数字和大写字母）。") % {"ch": bad}
    if not code[2:8].isdigit():
        return _("统一社会信用代码第3至8位是登记管理机关的行政区划码，应为6位数字，收到“%(part)s”。") % {
            "part": code[2:8]
        }
    return _("统一社会信用代码校验位错误：第18位应为“%(want)s”，收到“%(got)s”，请核对。") % {
        "want": check_character(code),
        "got": code[17],
    }


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem:
        raise ValidationError(problem, code="uscc")


def registering_division(code: str) -> str:
    """Characters 3–8 of a USCC: the division where the entity was registered."""
    return normalise_uscc(code)[2:8]
