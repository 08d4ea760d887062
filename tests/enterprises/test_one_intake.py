"""One rule per column: the ledger upload, the ledger API, the training upload and the training API read the same
cell the same way (USCC, dates, formula-like text, numbers, choices), and the registry's validator agrees."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from enterprises.intake import cells
from enterprises.ledger.rules import RowParser
from enterprises.registry.uscc import check_character, is_valid_uscc, normalise_uscc, uscc_problem
from programme.models import CertificationBody
from tests.enterprises.test_training_import import api_client, post_file, row, training_open, xlsx_file  # noqa: F401
from tests.factories import valid_uscc

pytestmark = pytest.mark.django_db
LEDGER_BATCH = "/api/ledger-records/batch/"
TRAINING_BATCH = "/api/training-records/batch/"

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


# ---- USCC -----------------------------------------------------------------------------------------
def test_one_uscc_rule_reads_full_width_spaces_and_lower_case():
    code = valid_uscc("120113")
    assert normalise_uscc(full_width(code)) == code
    assert normalise_uscc(f" {code[:6]} {code[6:]} ".lower()) == code
    assert normalise_uscc(code[:4] + full_width(code[4]) + code[5:]) == code
    assert uscc_problem(full_width(code)) is None and is_valid_uscc(code)


def test_the_check_character_agrees_with_python_stdnum_where_stdnum_applies():
    from stdnum.cn import uscc as stdnum_uscc

    for serial in range(200):
        code = valid_uscc("110105", serial)
        assert check_character(code) == stdnum_uscc.calc_check_digit(code[:17]) == code[17]


def test_gb_32100_letters_in_positions_1_and_2_are_valid():
    body = "N2120113MA0000001"  # a 农民专业合作社-style code: letters where GB 32100 allows them
    code = body + check_character(body)
    assert uscc_problem(code) is None


def test_messages_name_the_real_problem():
    code = valid_uscc("120113")
    assert "I、O、Z、S、V" in uscc_problem(code[:9] + "I" + code[10:])
    other = uscc_problem(code[:9] + "#" + code[10:])
    assert "无效字符“#”" in other and "I、O、Z、S、V" not in other
    assert "第3至8位" in uscc_problem(code[:3] + "A" + code[4:])


def test_ledger_upload_reads_the_same_full_width_code():
    cb = CertificationBody.objects.first()
    parser = RowParser(certification_body=cb, year=2024)
    code = valid_uscc("120113", 5)
    row_values = [None] * 40
    row_values[2] = full_width(code)
    _parsed, issues = parser.parse(2, row_values)
    assert not any(i.column == "统一社会信用代码" for i in issues)


# ---- dates ----------------------------------------------------------------------------------------
SERIAL_2024_07_02 = (dt.date(2024, 7, 2) - dt.date(1899, 12, 30)).days


@pytest.mark.parametrize(
    "typed",
    ["2024-07-02", "2024/7/2", "2024.7.2", "2024年7月2日", "20240702", SERIAL_2024_07_02, float(SERIAL_2024_07_02),
     str(SERIAL_2024_07_02), f"{SERIAL_2024_07_02}.0", "２０２４年７月２日", dt.datetime(2024, 7, 2, 0, 0)],
)
def test_one_date_rule(typed):
    assert cells.date(typed, "开始日期", year=2024) == dt.date(2024, 7, 2)


@pytest.mark.parametrize("typed", ["2024-13-01", "7/2/2024", "12345", 99999, "明天"])
def test_dates_that_are_not_dates_are_refused_with_the_column(typed):
    with pytest.raises(cells.CellProblem) as problem:
        cells.date(typed, "开始日期", year=2024)
    assert "“开始日期”应为日期" in problem.value.message


# ---- formula-like text ----------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-cmd|x", "=HYPERLINK(\"x\")"])
def test_formula_like_text_is_refused_by_the_one_text_rule(typed):
    with pytest.raises(cells.CellProblem) as problem:
        cells.text(typed, "备注", limit=500)
    assert "不能以 = + - @ 开头" in problem.value.message


@pytest.mark.parametrize(("typed", "stored"), [("+86 138 0013 8000", "+86 138 0013 8000"), ("-5", "-5"), ("-", ""),
                                               ("—", ""), ("  有效文本 ", "有效文本")])
def test_text_people_type_is_kept(typed, stored):
    assert cells.text(typed, "备注", limit=500) == stored


# ---- numbers and choices --------------------------------------------------------------------------
def test_numbers_and_choices_share_their_messages():
    assert cells.integer("１，２００", "参训人次") == 1200 and cells.integer(12.0, "参训人次") == 12
    for bad in ("-1", "1.5", "十二", True):
        with pytest.raises(cells.CellProblem) as problem:
            cells.integer(bad, "参训人次")
        assert problem.value.message.startswith("“参训人次”应为不小于0的整数")
    assert cells.yes_no("ｙｅｓ", "是否获证") is True and cells.yes_no("否", "是否获证") is False
    with pytest.raises(cells.CellProblem, match="只能填写“是”或“否”"):
        cells.yes_no("也许", "是否获证")


def test_nfkc_is_what_the_rules_use():
    assert unicodedata.normalize("NFKC", "２０２４") == "2024"
