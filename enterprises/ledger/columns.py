"""The ledger template's columns: one definition shared by the template, the reader, the validator, the
failed-rows file and the exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from ..intake.reader import Term, Vocabulary
from ..models import AssistanceDimension, AssistanceMode, CertificationScheme, Industry, MaturityLevel

YES = "是"
NO = "否"
YES_NO = (YES, NO)
DATA_SHEET = "台账"
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
DISTRICTS_SHEET = "区县代码"
ERROR_HEADER = "错误说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text | int | decimal | date | enum | yesno
    required: bool = False
    help: str = ""
    choices: type[models.TextChoices] | None = None
    width: int = 14
    # Other names CBs give the column in their own ledgers (the header rule also takes near forms of these
    # and of the header: the same text with a bracketed note such as “（18位）”).
    synonyms: tuple[str, ...] = ()

    @property
    def options(self) -> list[str]:
        if self.kind == "yesno":
            return list(YES_NO)
        if self.choices is not None:
            return [str(label) for label in self.choices.labels]
        return []


def _dimension_columns() -> list[Column]:
    return [
        Column(f"dim:{code}", f"帮扶维度：{label}", "yesno", help="是否在该维度开展帮扶，至少一个维度填“是”。",
               synonyms=(str(label), f"帮扶维度-{label}", f"{label}维度"))
        for code, label in AssistanceDimension.choices
    ]


def _mode_columns() -> list[Column]:
    return [
        Column(f"mode:{code}", f"帮扶方式：{label}", "yesno", help="是否采用该帮扶方式，至少一种方式填“是”。",
               synonyms=(str(label), f"帮扶方式-{label}"))
        for code, label in AssistanceMode.choices
    ]


COLUMNS: list[Column] = [
    Column("year", "年度", "int", help="本模板对应的行动年度，可留空（默认为模板年度）。", width=8,
           synonyms=("年份", "行动年度", "帮扶年度")),
    Column("cb", "认证机构批准号", "text", help="本机构批准号，如 CNCA-R-2002-001，可留空（默认为本机构）。", width=18,
           synonyms=("机构批准号", "批准号", "认证机构批准书编号")),
    Column("uscc", "统一社会信用代码", "text", True, "18位，末位为校验码；不使用字母I、O、Z、S、V。", width=22,
           synonyms=("社会信用代码", "信用代码", "统一信用代码", "企业统一社会信用代码", "统一代码", "USCC")),
    Column("name", "企业名称", "text", True, "与营业执照一致。", width=28,
           synonyms=("单位名称", "企业全称", "公司名称", "企业（单位）名称", "受帮扶企业名称", "帮扶企业名称", "企业")),
    Column("district", "所在区县代码", "text", True, "6位县级行政区划代码，见“区县代码”工作表。", width=12,
           synonyms=("区县代码", "行政区划代码", "区划代码", "所在地区划代码", "县级行政区划代码")),
    Column("industry", "行业", "enum", True, "按《统计上大中小微型企业划分办法(2017)》的行业，下拉选择。", Industry,
           synonyms=("所属行业", "行业类别", "行业门类")),
    Column("employees", "从业人员（人）", "int", help="不小于0的整数。",
           synonyms=("从业人数", "从业人员数", "职工人数", "员工人数")),
    Column("revenue", "营业收入（万元）", "decimal", help="上年度营业收入，单位万元，不小于0。",
           synonyms=("上年度营业收入（万元）", "年营业收入（万元）", "营收（万元）")),
    *_dimension_columns(),
    *_mode_columns(),
    Column("start_date", "开始日期", "date", True, "格式 2024-07-01，须在行动年度内。", width=12,
           synonyms=("帮扶开始日期", "开始时间", "帮扶开始时间", "起始日期")),
    Column("end_date", "结束日期", "date", True, "不早于开始日期，须在行动年度内。", width=12,
           synonyms=("帮扶结束日期", "结束时间", "帮扶结束时间", "完成日期")),
    Column("experts_count", "参与专家（人）", "int", help="不小于0的整数，留空按0计。",
           synonyms=("专家人数", "参与专家人数", "专家数")),
    Column("problems_found", "发现质量问题（个）", "int", help="不小于0的整数，留空按0计。",
           synonyms=("发现问题数", "发现问题（个）", "发现问题")),
    Column("problems_solved", "解决质量问题（个）", "int", help="不大于发现的问题数。",
           synonyms=("解决问题数", "解决问题（个）", "解决问题")),
    Column("certification_fee", "认证费用（元）", "decimal", help="获证的须填写；大于0。",
           synonyms=("认证费（元）", "认证收费（元）")),
    Column("fee_reduction", "减免费用（元）", "decimal", help="须低于认证费用（不得免费认证），留空按0计。",
           synonyms=("减免金额（元）", "减免金额", "减免费（元）")),
    Column("certified", "是否获证", "yesno", help="下拉选择“是”或“否”，留空按“否”。", width=10,
           synonyms=("是否获得认证", "是否取得证书", "获证情况", "是否发证")),
    Column("certificate_number", "证书编号", "text", help="获证的须填写；同一认证类别内不得重复。", width=20,
           synonyms=("证书号", "认证证书编号")),
    Column("scheme", "认证类别", "enum", help="获证的须选择。", choices=CertificationScheme, width=24,
           synonyms=("认证领域", "认证项目", "认证体系")),
    Column(
        "maturity_before",
        "帮扶前成熟度",
        "enum",
        help="可选：初步系统、有效系统、持续改进、领先型。",
        choices=MaturityLevel,
        synonyms=("帮扶前质量管理成熟度", "帮扶前成熟度等级"),
    ),
    Column("maturity_after", "帮扶后成熟度", "enum", help="可选，不低于帮扶前成熟度。", choices=MaturityLevel,
           synonyms=("帮扶后质量管理成熟度", "帮扶后成熟度等级")),
    Column("pilot_region", "试点区域", "text", help="可选，所属区域试点名称。", width=16,
           synonyms=("试点地区", "所属试点")),
    Column("notes", "备注", "text", help="可选，500字以内。", width=30, synonyms=("备注说明", "其他说明")),
]

HEADERS = [c.header for c in COLUMNS]
# What the header rule of the upload knows of these columns (the failed-rows file's error column is no surprise).
VOCABULARY = Vocabulary(
    (Term(c.key, c.header, c.synonyms, c.required) for c in COLUMNS), silent=(ERROR_HEADER,)
)
DIMENSION_CODES = [code for code, _label in AssistanceDimension.choices]
MODE_CODES = [code for code, _label in AssistanceMode.choices]
