"""Ledger test data: rows keyed by template header, written as XLSX or CSV like a CB would."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from enterprises.ledger.columns import DATA_SHEET, HEADERS
from tests.factories import valid_uscc


def ledger_row(year: int = 2024, **overrides: Any) -> dict[str, Any]:
    """A valid ledger row for an enterprise in 北辰区 (120113)."""
    row: dict[str, Any] = {
        "统一社会信用代码": valid_uscc("120113"),
        "企业名称": "天津北辰测试电动车有限公司",
        "所在区县代码": "120113",
        "行业": "工业",
        "从业人员（人）": 45,
        "营业收入（万元）": 1200,
        "帮扶维度：质量管理": "是",
        "帮扶方式：把脉问诊/质量诊断": "是",
        "开始日期": f"{year}-07-01",
        "结束日期": f"{year}-09-30",
        "参与专家（人）": 2,
        "发现质量问题（个）": 5,
        "解决质量问题（个）": 4,
        "认证费用（元）": 12000,
        "减免费用（元）": 3000,
        "是否获证": "否",
    }
    for key, value in overrides.items():
        header = key.replace("__", "：")
        if value is None:
            row.pop(header, None)
        else:
            row[header] = value
    return row


def _matrix(rows: list[dict[str, Any]], headers: list[str] | None = None) -> list[list[Any]]:
    headers = headers or HEADERS
    return [headers, *[[row.get(h, "") for h in headers] for row in rows]]


def xlsx_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    for values in _matrix(rows, headers):
        ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_file_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in _matrix(rows):
        writer.writerow(values)
    return buffer.getvalue().encode(encoding)
