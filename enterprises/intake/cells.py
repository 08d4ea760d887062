"""One rule per kind of cell: how a value from a spreadsheet, a CSV or an API record is read, normalised and
checked, and the message a user gets when it is wrong. The ledger and the training records read every cell
through these functions (the USCC through :mod:`enterprises.registry.uscc`), so the same cell means the same
thing on every path.

Each rule returns the value or raises :class:`CellProblem` with a Chinese message that names the column by its
header and says what to write instead; the caller adds the row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.xlsx import FORMULA_TRIGGERS


class CellProblem(ValueError):
    """A cell that cannot be taken as it is; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- reading a cell as text -----------------------------------------------------------------------
def as_text(value: Any) -> str:
    """A cell as text: ``None`` is empty, whole floats lose their ``.0`` (Excel stores 2024 as 2024.0)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def shown(value: Any) -> str:
    """A cell as quoted back in a message (at most 40 characters)."""
    text = as_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _ascii(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (NFKC), for numbers, dates and codes."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# ---- free text ------------------------------------------------------------------------------------
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "－", "/"})
_SIGNED_NUMBER = re.compile(r"[+-]\s*\d")


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula: it starts with ``=`` or ``@`` (or a control character), or with
    ``+``/``-`` not followed by a number ("+86 138…" and "-5" are text a person typed, "+cmd|…" is not)."""
    return text.startswith(FORMULA_TRIGGERS) and not _SIGNED_NUMBER.match(text)


def text(value: Any, header: str, *, limit: int, is_required: bool = False, hint: str = "") -> str:
    """Free text, stripped. A lone dash or slash (how many sheets say "none") is empty. Formula-like text is
    refused on every path, so nothing stored can run in someone else's spreadsheet."""
    result = value.strip() if type(value) is str else as_text(value)
    if result in _PLACEHOLDERS:
        result = ""
    if not result:
        if is_required:
            required(result, header, hint)
        return ""
    if looks_like_formula(result):
        raise CellProblem(
            _("“%(h)s”不能以 = + - @ 开头（会被表格软件当作公式），请删除开头的符号。") % {"h": header}
        )
    if len(result) > limit:
        raise CellProblem(
            _("“%(h)s”过长（%(n)d字），最多%(limit)d字。") % {"h": header, "n": len(result), "limit": limit}
        )
    return result


def code(value: Any) -> str:
    """A code (division, approval number): full-width characters as ASCII, no spaces, upper case."""
    if type(value) is str and value.isdigit() and value.isascii():
        return value  # the usual division code
    raw = value if type(value) is str and value.isascii() else _ascii(as_text(value))
    return "".join(raw.split()).upper()


def required(value: Any, header: str, hint: str = "") -> Any:
    """``value`` unless it is empty, in which case the column's "required" message."""
    if value is None or value == "":
        raise CellProblem(_("“%(h)s”为必填项，%(hint)s") % {"h": header, "hint": hint or _("请填写。")})
    return value


# ---- numbers --------------------------------------------------------------------------------------
_INTEGER = re.compile(r"[+]?\d+(?:\.0+)?")
_CENT = Decimal("0.01")


def integer(value: Any, header: str, *, blank: int | None = 0) -> int | None:
    """A count: an integer ≥ 0, as a number, as numeric text (thousands separators and full-width digits
    allowed) or "12.0"; empty is ``blank``."""
    if value is None or value == "":
        return blank
    if type(value) is int and value >= 0:
        return value
    if type(value) is float and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        compact = _ascii(value).strip().replace(",", "")
        if not compact:
            return blank
        if _INTEGER.fullmatch(compact):
            return int(Decimal(compact))
    raise CellProblem(_("“%(h)s”应为不小于0的整数，收到“%(got)s”。") % {"h": header, "got": shown(value)})


def decimal(value: Any, header: str, *, maximum: Decimal) -> Decimal | None:
    """An amount ≥ 0 without unit, rounded to cents; empty is ``None``."""
    if value is None or value == "":
        return None
    if type(value) is float and 0 <= value <= maximum:  # a number cell, the usual case
        if value.is_integer():
            return Decimal(int(value)).quantize(_CENT)
        return Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        compact = _ascii(str(value)).strip().replace(",", "")
        if not compact:
            return None
        amount = Decimal(compact)
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise CellProblem(
            _("“%(h)s”应为数字（不带单位），收到“%(got)s”。") % {"h": header, "got": shown(value)}
        ) from None
    if amount < 0:
        raise CellProblem(_("“%(h)s”不能为负数，收到“%(got)s”。") % {"h": header, "got": shown(value)})
    if amount > maximum:
        raise CellProblem(_("“%(h)s”数值过大（%(got)s），请检查单位。") % {"h": header, "got": shown(value)})
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


# ---- dates ----------------------------------------------------------------------------------------
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T ]\s*\d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials of 2000-01-01 and 2100-12-31: a number outside is not a date of this programme.
SERIAL_RANGE = (36526, 73415)


def date(value: Any, header: str, *, year: int | None = None) -> dt.date:
    """A date as Chinese users type it: 2023-07-01, 2023/7/1, 2023.7.1, 2023年7月1日, 20230701, a date cell, or an
    Excel serial (a number, or numeric text, between 2000 and 2100). With ``year``, it must lie in that year."""
    example = f"{year or timezone.localdate().year}-07-01"
    if value is None or value == "":
        raise CellProblem(_("“%(h)s”为必填项，请按 %(ex)s 的格式填写。") % {"h": header, "ex": example})
    parsed: dt.date | None = None
    if isinstance(value, dt.datetime):
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_serial(value)
    else:
        raw = _ascii(str(value)).strip()
        if _SERIAL.fullmatch(raw):
            parsed = _from_serial(float(raw))
        else:
            match = _DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
            if match:
                try:
                    parsed = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    parsed = None
    if parsed is None:
        raise CellProblem(
            _("“%(h)s”应为日期（如 %(ex)s、2024/7/1 或 2024年7月1日），收到“%(got)s”。")
            % {"h": header, "ex": example, "got": shown(value)}
        )
    if year is not None and parsed.year != year:
        raise CellProblem(
            _("“%(h)s”（%(d)s）不在%(y)d年度内，请填写%(y)d-01-01至%(y)d-12-31之间的日期。")
            % {"h": header, "d": parsed, "y": year}
        )
    return parsed


def _from_serial(number: float) -> dt.date | None:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


# ---- choices --------------------------------------------------------------------------------------
YES_VALUES = {
    "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "1": True, "0": False,
    "true": True, "false": False, "√": True, "×": False, "有": True, "无": False,
}  # fmt: skip


def yes_no(value: Any, header: str) -> bool:
    """是/否 (also yes/no, 1/0, √/×, 有/无, true/false); empty is 否."""
    if value == "是":
        return True
    if value is None or value == "" or value == "否":
        return False
    if value is True or value is False:
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = _ascii(as_text(value)).lower()
    if key == "":
        return False
    answer = YES_VALUES.get(key)
    if answer is None:
        raise CellProblem(_("“%(h)s”只能填写“是”或“否”，收到“%(got)s”。") % {"h": header, "got": shown(value)})
    return answer


def choice_map(choices: Any, *extra: tuple[str, str]) -> dict[str, str]:
    """How the cells of a choice column are looked up: code, label and label without spaces (lower case)."""
    mapping: dict[str, str] = {}
    for code, label in [*choices.choices, *extra]:
        for key in (code, str(label), "".join(str(label).split())):
            mapping[key] = code
            mapping[key.lower()] = code
    return mapping


def choice(
    value: Any, header: str, *, mapping: Mapping[str, str], labels: Callable[[], list[str]], required: bool
) -> str:
    """One of a column's choices, by code or label; empty is "" unless ``required``. ``labels`` gives the choices
    as the message lists them (called only then, in the language of the moment)."""
    raw = value.strip() if type(value) is str else as_text(value)
    if not raw:
        if required:
            raise CellProblem(_("“%(h)s”为必填项，请从下拉列表中选择。") % {"h": header})
        return ""
    code = mapping.get(raw)
    if code is None:
        key = _ascii(raw)
        code = mapping.get(key) or mapping.get(key.lower()) or mapping.get("".join(key.split()).lower())
    if code is None:
        raise CellProblem(
            _("“%(h)s”只能填写：%(opts)s；收到“%(got)s”。")
            % {"h": header, "opts": "、".join(labels()), "got": shown(raw)}
        )
    return code
