"""The training upload reads a CB's own sheets through the same code as the ledger: formats, the table below
titles on any sheet, synonyms, and the mapping step (asked once, remembered, the CB's own)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.intake.models import HeaderMapping
from enterprises.models import TrainingRecord
from enterprises.training.pipeline import training_upload
from tests.enterprises.test_own_spreadsheets import ods_bytes, own_xlsx, text_bytes
from tests.factories import cb_user

pytestmark = pytest.mark.django_db
YEAR = 2024
UPLOAD = "enterprises:training_upload"
# The CB's own names: another order, synonyms, a 序号 column.
OWN = ["序号", "培训主题", "培训时间", "主办方", "培训形式", "区县代码", "参训企业数", "参训人数"]
KEYS = {"培训主题": "topic", "培训时间": "held_on", "主办方": "organiser", "培训形式": "delivery",
        "区县代码": "district", "参训企业数": "enterprises", "参训人数": "persons"}


def own_rows(n: int, headers: list[str] = OWN) -> list[list[Any]]:
    values = {"topic": "质量管理体系培训第{i}期", "held_on": f"{YEAR}-06-{{d:02d}}", "organiser": "北辰区市场监管局",
              "delivery": "线下", "district": "120113", "enterprises": 10, "persons": 25}
    out: list[list[Any]] = [headers]
    for i in range(1, n + 1):
        row: list[Any] = []
        for header in headers:
            key = KEYS.get(header, header)
            if header == "序号":
                row.append(i)
            elif key in values:
                value = values[key]
                row.append(value.format(i=i, d=i) if isinstance(value, str) else value)
            else:
                row.append(f"{header}{i}")
        out.append(row)
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "unicode-text", "csv-gb18030"])
def test_a_cbs_own_training_sheet_in_each_format(open_year, fmt):
    user = cb_user()
    matrix = own_rows(2)
    content = {
        "xlsx": lambda: ("t.xlsx", own_xlsx(matrix, sheet="培训情况")),
        "ods": lambda: ("t.ods", ods_bytes({"说明": [["填表说明"]], "Sheet1": [["2024年培训"], *matrix]})),
        "unicode-text": lambda: ("t.txt", text_bytes(matrix, encoding="utf-16", delimiter="\t")),
        "csv-gb18030": lambda: ("t.csv", text_bytes(matrix, encoding="gb18030")),
    }[fmt]
    name, data = content()
    records = training_upload(actor=user, year=YEAR, uploaded_file=SimpleUploadedFile(name, data))
    assert records.counts == {"created": 2, "updated": 0, "unchanged": 0}
    topics = sorted(TrainingRecord.objects.values_list("topic", flat=True))
    assert topics == ["质量管理体系培训第1期", "质量管理体系培训第2期"]


def test_the_training_mapping_step_asks_once_and_remembers(open_year, login):
    user = cb_user()
    headers = [h if h != "培训主题" else "课程" for h in OWN]  # 课程: not a synonym of 培训主题
    client = login(user)
    url = reverse(UPLOAD)
    page = client.post(url, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", own_xlsx(own_rows(2, headers)))})
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-testid="mapping-question"') == 1
    assert "培训主题" in text and "B列：课程" in text
    assert TrainingRecord.objects.count() == 0
    token = page.context["token"]
    # Unanswered: asked again, nothing stored.
    again = client.post(url, {"token": token, "year": YEAR, "col-topic": ""}).content.decode()
    assert "请为“培训主题”选择文件中的一列。" in again and TrainingRecord.objects.count() == 0
    # Another CB cannot use the token.
    other = login(cb_user())
    assert other.post(url, {"token": token, "year": YEAR, "col-topic": "1"}).status_code == 404
    client = login(user)
    done = client.post(url, {"token": token, "year": YEAR, "col-topic": "1"}, follow=True)
    assert "已处理2条培训记录：新增2条" in done.content.decode()
    assert TrainingRecord.objects.count() == 2
    assert list(HeaderMapping.objects.values_list("kind", "header", "key")) == [("training", "课程", "topic")]
    # The token is used up.
    assert client.post(url, {"token": token, "year": YEAR, "col-topic": "1"}).status_code == 404
    # The next file with the same header: stored at once.
    page = client.post(url, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", own_xlsx(own_rows(3, headers)))},
                       follow=True)
    assert "mapping-question" not in page.content.decode()
    assert TrainingRecord.objects.count() == 3


def test_a_training_file_without_a_training_table_is_refused_clearly(open_year, login):
    client = login(cb_user())
    page = client.post(reverse(UPLOAD), {"year": YEAR, "file": SimpleUploadedFile(
        "t.xlsx", own_xlsx([["姓名", "电话"], ["张三", "1"]]))}).content.decode()
    assert "没有找到培训台账表格" in page and 'data-testid="training-upload-error"' in page


def test_a_training_upload_says_what_it_changed_in_each_updated_record(open_year, login):
    client = login(cb_user())
    url = reverse(UPLOAD)
    matrix = own_rows(2)
    client.post(url, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", own_xlsx(matrix))})
    persons = OWN.index("参训人数")
    delivery = OWN.index("培训形式")
    matrix[1][persons] = 40
    matrix[1][delivery] = "线上"
    page = client.post(url, {"year": YEAR, "file": SimpleUploadedFile("t.xlsx", own_xlsx(matrix))},
                       follow=True).content.decode()
    assert "新增0条，更新1条，未变化1条" in page
    assert "第4行（2024-06-01 质量管理体系培训第1期）已更新：形式 线下 → 线上；参训人次 25 → 40" in page
