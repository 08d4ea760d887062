from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reporting.xlsx import csv_bytes, new_workbook, workbook_bytes, write_table, xlsx_cell

from .columns import COLUMNS, DATA_SHEET, FIELDS, HEADERS, INSTRUCTIONS_SHEET, MAX_ROWS, delivery_labels


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
        formula1='"' + ",".join(delivery_labels()) + '"',
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
