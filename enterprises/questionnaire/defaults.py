"""The default questionnaire (first used for programme year 2024), as data.

Loaded idempotently by :func:`enterprises.questionnaire.services.questionnaire_defaults_load` (called by
``seed_demo`` and ``manage.py load_questionnaires``). HQ edits the copy of each year in the admin.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .models import ChangeMode, Measure, QuestionKind, Section

DEFAULT_TITLE = "{year}年度小微企业质量管理体系认证提升行动企业调查问卷"
DEFAULT_INTRO = (
    "本问卷由参与提升行动的企业如实填写，用于评估帮扶成效和改进工作。“提升前”指参与本年度提升行动前的上一完整年度，"
    "“提升后”指本年度（可按截至填报时的实际情况估算）。填写过程中可随时保存草稿，提交后不可修改。"
)

IMPROVEMENT_SCALE = [["much", "显著改善"], ["some", "有所改善"], ["same", "基本不变"], ["worse", "有所下降"]]
IMPROVED = ["much", "some"]

_D = Decimal


def _pair(key: str, label: str, measure: str, unit: str, lo: str, hi: str, help_text: str = "",
          mode: str = ChangeMode.RELATIVE, plausible: str = "100") -> dict[str, Any]:
    return {
        "key": key, "section": Section.BUSINESS, "label": label, "kind": QuestionKind.PAIR, "unit": unit,
        "min_value": _D(lo), "max_value": _D(hi), "measure": measure, "change_mode": mode,
        "plausible_change": _D(plausible), "help_text": help_text,
    }


DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    _pair("revenue", "年度营业收入", Measure.REVENUE, "万元", "0", "1000000", "企业全年营业收入。"),
    _pair("sales", "年产品销售额", Measure.SALES, "万元", "0", "1000000", "主营产品全年销售额。"),
    _pair("profit_margin", "年利润率", Measure.PROFIT_MARGIN, "%", "-100", "100",
          "利润总额 ÷ 营业收入 × 100，亏损填负数。", plausible="80"),
    _pair("quality_cost", "质量成本控制率", Measure.QUALITY_COST, "%", "0", "100",
          "质量成本占销售额的比例（越低越好）。", plausible="60"),
    _pair("first_pass_yield", "产品一次交验合格率", Measure.FIRST_PASS_YIELD, "%", "0", "100",
          "一次交验合格的批次 ÷ 交验批次 × 100。", plausible="40"),
    _pair("conversion", "产品转化率", Measure.CONVERSION, "%", "0", "100",
          "研发或试制产品转化为批量销售产品的比例。", plausible="60"),
    _pair("defect_rate", "产品不良率", Measure.DEFECT_RATE, "%", "0", "100",
          "不合格品数 ÷ 生产总数 × 100（越低越好）；变化按百分点计。", mode=ChangeMode.POINTS, plausible="20"),
    _pair("customer_satisfaction", "消费者（客户）满意度", Measure.CUSTOMER_SATISFACTION, "%", "0", "100",
          "客户满意度调查结果，百分制。", plausible="40"),
    _pair("complaint_rate", "客户投诉率", Measure.COMPLAINT_RATE, "%", "0", "100",
          "投诉次数 ÷ 交付批次 × 100（越低越好）；变化按百分点计。", mode=ChangeMode.POINTS, plausible="20"),
    {
        "key": "maturity", "section": Section.MATURITY, "label": "质量管理成熟度等级自评",
        "kind": QuestionKind.MATURITY_PAIR, "measure": Measure.MATURITY,
        "help_text": "按天津市团体标准的四个等级自评：初步系统＜有效系统＜持续改进＜领先型。",
    },
    {
        "key": "operating_effect", "section": Section.RESULTS, "kind": QuestionKind.CHOICE,
        "label": "参与提升行动后，企业经营绩效（营收、利润、成本）总体变化", "measure": Measure.RESULT_OPERATING,
        "choices": IMPROVEMENT_SCALE, "positive_choices": IMPROVED,
    },
    {
        "key": "quality_effect", "section": Section.RESULTS, "kind": QuestionKind.CHOICE,
        "label": "产品和服务质量（合格率、稳定性、交付）总体变化", "measure": Measure.RESULT_QUALITY,
        "choices": IMPROVEMENT_SCALE, "positive_choices": IMPROVED,
    },
    {
        "key": "qm_effect", "section": Section.RESULTS, "kind": QuestionKind.CHOICE,
        "label": "质量管理水平（制度流程、人员能力、风险防控）总体变化", "measure": Measure.RESULT_QM_LEVEL,
        "choices": IMPROVEMENT_SCALE, "positive_choices": IMPROVED,
    },
    {
        "key": "credit_brand", "section": Section.RESULTS, "kind": QuestionKind.YES_NO,
        "label": "通过认证后，企业是否获得融资授信、招投标加分、客户认可或品牌知名度提升等信用和品牌收益",
        "measure": Measure.RESULT_CREDIT_BRAND,
    },
    {
        "key": "digital", "section": Section.RESULTS, "kind": QuestionKind.YES_NO,
        "label": "帮扶期间是否引入或加强了数字化质量管理工具（如质量管理软件、在线检测、质量追溯系统）",
        "measure": Measure.RESULT_DIGITAL,
    },
    {
        "key": "lasting", "section": Section.RESULTS, "kind": QuestionKind.CHOICE,
        "label": "今后是否保持认证有效并持续改进质量管理体系", "measure": Measure.RESULT_LASTING,
        "choices": [["keep_improve", "保持认证并持续改进"], ["keep", "保持认证"], ["unsure", "尚不确定"],
                    ["drop", "不打算保持"]],
        "positive_choices": ["keep_improve", "keep"],
    },
    {"key": "sat_training", "section": Section.SATISFACTION, "kind": QuestionKind.SATISFACTION,
     "label": "对宣传培训工作的满意度", "measure": Measure.SAT_TRAINING},
    {"key": "sat_cb_ability", "section": Section.SATISFACTION, "kind": QuestionKind.SATISFACTION,
     "label": "对认证机构专业能力的满意度", "measure": Measure.SAT_CB_ABILITY},
    {"key": "sat_cb_attitude", "section": Section.SATISFACTION, "kind": QuestionKind.SATISFACTION,
     "label": "对认证机构服务态度的满意度", "measure": Measure.SAT_CB_ATTITUDE},
    {"key": "sat_policy", "section": Section.SATISFACTION, "kind": QuestionKind.SATISFACTION,
     "label": "对政府激励引导政策的满意度", "measure": Measure.SAT_POLICY},
    {"key": "sat_follow_up", "section": Section.SATISFACTION, "kind": QuestionKind.SATISFACTION,
     "label": "对认证机构持续跟踪服务的满意度", "measure": Measure.SAT_FOLLOW_UP},
    {"key": "effect", "section": Section.EFFECT, "kind": QuestionKind.EFFECT,
     "label": "您认为参与提升行动对企业的总体效果", "measure": Measure.EFFECT},
    {"key": "burden", "section": Section.EFFECT, "kind": QuestionKind.YES_NO,
     "label": "建立和运行质量管理体系是否明显增加了企业的人员或时间成本", "measure": Measure.BURDEN},
    {"key": "suggestions", "section": Section.SUGGESTIONS, "kind": QuestionKind.TEXT, "required": False,
     "label": "对提升行动的意见和建议", "max_value": _D("2000"), "help_text": "选填，不超过2000字。"},
]
