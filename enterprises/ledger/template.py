"""The XLSX template (per programme year) and its CSV equivalent; also used for the failed-rows file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from programme.models import OrgUnit, OrgUnitLevel
from reporting.xlsx import csv_bytes, header_cell, new_workbook, workbook_bytes, write_table, xlsx_cell, xlsx_row

from .columns import COLUMNS, DATA_SHEET, DISTRICTS_SHEET, ERROR_HEADER, HEADERS, INSTRUCTIONS_SHEET, OPTIONS_SHEET

VALIDATED_ROWS = 20000


def _list_validation(formula: str, column: str, last_row: int, *, title: str, error: str) -> DataValidation:
    """A drop-down list on ``column`` from row 2 to ``last_row`` that refuses anything not in ``formula``."""
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorTitle=title,
                        error=error)
    dv.add(f"{column}2:{column}{last_row}")
    return dv


def build_workbook(
    *, year: int, approval_number: str = "", rows: Iterable[Sequence[Any]] = (), errors: Sequence[str] | None = None
) -> Workbook:
    """The template (or, with ``errors``, the failed-rows file), as a streaming workbook: sheets in their
    order (instructions, data, options, districts), each written top to bottom."""
    wb = new_workbook()
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    data = wb.create_sheet(DATA_SHEET)
    options = wb.create_sheet(OPTIONS_SHEET)
    districts = wb.create_sheet(DISTRICTS_SHEET)
    wb.active = 1

    headers = [*HEADERS, ERROR_HEADER] if errors is not None else HEADERS
    widths = [c.width for c in COLUMNS] + ([60] if errors is not None else [])
    header_row = [header_cell(data, h) for h in headers]
    for col, column in enumerate(COLUMNS):
        if column.required:
            header_row[col].font = Font(bold=True, color="FFFF00")
    body = (
        [*row[: len(HEADERS)], *([""] * (len(HEADERS) - len(row))), errors[i]] if errors is not None else row
        for i, row in enumerate(rows)
    )
    write_table(data, header_row, body, widths=widths)

    lists: dict[tuple[str, ...], str] = {}
    option_columns: list[list[str]] = []
    for column in COLUMNS:
        key = tuple(column.options)
        if not key or key in lists:
            continue
        letter = get_column_letter(len(option_columns) + 1)
        option_columns.append([column.header.split("：")[0], *column.options])
        lists[key] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(column.options) + 1}"
    for values in zip_longest(*option_columns):
        options.append(xlsx_row(options, values))
    last = VALIDATED_ROWS + 1
    for col, column in enumerate(COLUMNS, start=1):
        if not column.options:
            continue
        data.data_validations.append(_list_validation(
            f"={lists[tuple(column.options)]}", get_column_letter(col), last,
            title="输入有误", error=f"“{column.header}”请从下拉列表中选择。"))

    units = (
        OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True)
        .order_by("code")
        .values_list("code", "name", "full_name")
        .iterator(chunk_size=2000)
    )
    n_units = write_table(districts, ["区县代码", "名称", "全称"], units, widths=[12, 16, 36])
    district_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "district"))
    data.data_validations.append(_list_validation(
        f"='{DISTRICTS_SHEET}'!$A$2:$A${n_units + 1}", district_col, last,
        title="区县代码有误", error="请填写“区县代码”工作表中的6位县级行政区划代码。"))

    intro = [
        "1. 每家企业每年度填一行；同一企业不得在一个文件中重复出现。再次上传同一企业会更新原记录。",
        "2. 黄色表头为必填列；带下拉箭头的列请从下拉列表中选择。",
        f"3. 日期须在{year}年度内（{year}-01-01至{year}-12-31），结束日期不早于开始日期。",
        "4. 解决的质量问题数不能大于发现的问题数；各数量为不小于0的整数。",
        "5. 减免费用须低于认证费用，不得免费认证；获证的须填写证书编号和认证类别，同一类别证书编号不得重复。",
        "6. 非小微企业、信用代码登记地与区县不一致的记录会给出提示，但不阻止上传。",
        "7. 推荐使用本模板：表头与模板一致时上传无需匹配列。也可另存为CSV（UTF-8或GB18030编码）上传；"
        "本机构自己的表格（.xlsx、.xls、.ods、Unicode文本）也可上传，系统按列名匹配，未能识别的必填列会请您选择。",
    ]
    if approval_number:
        intro.append(f"8. 本模板供认证机构 {approval_number} 使用，只能填报本机构的台账。")
    title = xlsx_cell(notes, f"{year}年度 小微企业质量管理体系认证提升行动 帮扶台账填写说明",
                      font=Font(bold=True, size=14))
    write_table(
        notes,
        ["列名", "是否必填", "填写要求", "可选值"],
        (
            [c.header, "必填" if c.required else "", c.help, "、".join(c.options) if c.kind != "yesno" else "是、否"]
            for c in COLUMNS
        ),
        above=[[title], *([line] for line in intro)],
        widths=[26, 10, 60, 60],
        autofilter=False,
        freeze=False,
    )
    return wb


def template_xlsx(*, year: int, approval_number: str = "") -> bytes:
    return workbook_bytes(build_workbook(year=year, approval_number=approval_number))


def template_csv() -> bytes:
    return csv_bytes(HEADERS, [])


def failed_rows_xlsx(*, year: int, rows: Iterable[Sequence[Any]], errors: Sequence[str]) -> bytes:
    return workbook_bytes(build_workbook(year=year, rows=rows, errors=errors))
