from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from ..intake.reader import Term, Vocabulary
from ..models import TrainingDelivery

MAX_ROWS = 2000


# 2,000 rows of training records are well under 1 MB; files are read inside the request, so keep them small.
MAX_FILE_BYTES = 2 * 1024 * 1024


DATA_SHEET = "培训台账"


INSTRUCTIONS_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str  # the API field name
    header: str  # the Chinese header in the template (the same as the training export)
    help: str
    width: int = 16
    # Other names CBs give the column in their own sheets (near forms — the same text with a bracketed note —
    # are taken too).
    synonyms: tuple[str, ...] = ()


# The template's columns, in order. The headers are those of the training export, so an exported sheet
# can be uploaded again (its extra columns are checked or ignored, see OPTIONAL below).
COLUMNS = [
    Column("held_on", "培训日期", "YYYY-MM-DD，须在所选年度内", 14, ("培训时间", "举办日期", "日期")),
    Column("organiser", "主办单位", "不超过128字", 24, ("主办方", "举办单位", "组织单位")),
    Column("topic", "培训主题", "不超过200字；同一日期、区县、主题只能有一条", 36,
           ("培训内容", "培训名称", "培训题目", "主题")),
    Column("delivery", "形式", "线上或线下", 10, ("培训形式", "培训方式", "方式")),
    Column("district_code", "区县代码", "6位县级行政区划代码（GB/T 2260），如120113", 12,
           ("所在区县代码", "培训所在区县代码", "行政区划代码", "区划代码")),
    Column("enterprise_count", "参训企业（家）", "不小于0的整数", 14,
           ("参训企业数", "参训企业数（家）", "企业数（家）")),
    Column("person_count", "参训人次", "不小于0的整数，不少于参训企业数", 12, ("参训人数", "参加人次", "人次")),
]


HEADERS = [c.header for c in COLUMNS]


HEADER_OF = {c.key: c.header for c in COLUMNS}


FIELDS = [c.key for c in COLUMNS]


# Columns of the export that may be present in an upload: when filled they must match the upload.
OPTIONAL = {"programme_year": "年度", "approval_number": "认证机构批准号"}


# Columns of the training export that the upload does not read (an exported sheet may be uploaded again).
EXPORT_ONLY = ("认证机构", "区县")
# What the header rule of the upload knows of these columns.
VOCABULARY = Vocabulary(
    [*(Term(c.key, c.header, c.synonyms, True) for c in COLUMNS), *(Term(k, h) for k, h in OPTIONAL.items())],
    silent=EXPORT_ONLY,
)


MODEL_FIELD_KEY = {"district": "district_code", "programme_year": "held_on"}


def delivery_labels() -> list[str]:
    """The labels as written in the template: always Chinese, whatever language the page is in."""
    with translation.override(settings.LANGUAGE_CODE):
        return [str(label) for label in TrainingDelivery.labels]
