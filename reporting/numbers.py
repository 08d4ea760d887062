"""How the portal writes a figure: one formatter for pages, charts, maps, exports and reports, as the seeds write them.

- Counts (家, 人次, 项, 个, 场, 名 ...): as they are below 10,000 ("240家"); from 10,000 in 万 with one decimal
  ("3.0万家", "132.8万人次") — never "0.0万家".
- Money (catalogue unit 元): below 10,000 in 元; from 1万 in 万元 ("3960万元", "10万元"); from 1亿 in 亿元 with one
  decimal below 100亿 ("3.7亿元") and whole above ("320亿元").
- Percentages with one decimal ("63.0%"); a change of a percentage in 百分点 ("11.2个百分点").
- No data is "—", never a 0 that means "no data".
- A change on the year before as the seeds write it: "比2022年增加93%", "比2022年下降7个百分点", "与2022年持平".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

NO_DATA = "—"
PERCENT = "%"
MONEY = "元"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
NUMBER_UNITS = frozenset({"分", "名次"})  # written as plain numbers with their decimals, never in 万


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _plain(value: Decimal, digits: int) -> str:
    return f"{_round(value, digits):f}"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number_text(value: Any, unit: str, *, digits: int = 1) -> str:
    """The number part of a figure without its unit word (for tables with the unit in the header): see
    ``format_value`` for the rules; the result carries the scale word (万/亿) when one applies."""
    text, scale = _scaled(value, unit, digits=digits)
    return text + scale


def _scaled(value: Any, unit: str, *, digits: int = 1) -> tuple[str, str]:
    if value is None:
        return NO_DATA, ""
    d = _decimal(value)
    if unit == PERCENT or unit in NUMBER_UNITS:
        return _plain(d, digits), ""
    if unit == MONEY:
        if abs(d) >= YI:
            yi = d / YI
            return (_plain(yi, 0) if abs(yi) >= 100 else _plain(yi, 1)), "亿"
        if abs(d) >= WAN:
            wan = d / WAN
            return (_plain(wan, 0) if abs(wan) >= 100 else _trim(_plain(wan, 1))), "万"
        return _trim(_plain(d, 2)), ""
    if abs(d) >= WAN:
        return _plain(d / WAN, 1), "万"
    return (_plain(d, 0) if d == d.to_integral_value() else _trim(_plain(d, digits))), ""


def format_value(value: Any, unit: str, *, digits: int = 1) -> str:
    """A figure with its unit as the seeds write it ("240家", "3.0万家", "3.7亿元", "63.0%"); "—" for no data."""
    text, scale = _scaled(value, unit, digits=digits)
    if text == NO_DATA:
        return NO_DATA
    return f"{text}{scale}{unit}"


def points_text(points: Any) -> str:
    """A difference of two percentages as the number of 百分点, without its sign (the words say which way):
    one decimal, trailing zeros dropped ("11.2", "7")."""
    return _trim(f"{abs(_round(_decimal(points), 1)):f}")


def change_text(current: Any, previous: Any, unit: str, *, previous_year: int) -> str:
    """The change on the year before as the seeds write it: a percentage for counts and money ("比2022年增加93%"),
    percentage points for a percentage ("比2022年下降7个百分点"). Empty when either year has no data, or when the
    year before is 0 (a percentage of nothing means nothing)."""
    if current is None or previous is None:
        return ""
    cur, prev = _decimal(current), _decimal(previous)
    if unit == PERCENT:
        points = _round(cur - prev, 1)
        if points == 0:
            return _("与%(year)s年持平") % {"year": previous_year}
        word = _("增加") if points > 0 else _("下降")
        return _("比%(year)s年%(word)s%(points)s个百分点") % {
            "year": previous_year, "word": word, "points": points_text(points)}
    if prev == 0:
        return ""
    pct = _round((cur - prev) * 100 / abs(prev), 0 if abs(cur - prev) * 100 / abs(prev) >= 10 else 1)
    if pct == 0:
        return _("与%(year)s年持平") % {"year": previous_year}
    word = _("增加") if pct > 0 else _("下降")
    return _("比%(year)s年%(word)s%(pct)s%%") % {"year": previous_year, "word": word, "pct": f"{abs(pct):f}"}


def change_value(current: Any, previous: Any, unit: str) -> Decimal | None:
    """The change as a number: percentage points for a percentage, otherwise percent of the year before."""
    if current is None or previous is None:
        return None
    cur, prev = _decimal(current), _decimal(previous)
    if unit == PERCENT:
        return _round(cur - prev, 1)
    if prev == 0:
        return None
    return _round((cur - prev) * 100 / abs(prev), 1)
