"""Annex 1 (附件1 提升行动工作成效评估内容及指标一览表) as data, and the default weights.

The areas, items and reference indicators are the annex's own Chinese text (seed 002). The annex gives no
weights; the default below sums to 100 points and is what a new programme year starts with — HQ may change
it until scoring starts:

==========  ==================  ========  =====
area        item                method    points
==========  ==================  ========  =====
组织发动     组织发动举措         expert      20
宣传培训     宣传举措及影响力     expert      10
宣传培训     培训数量和质量       expert      10
企业帮扶     精准帮扶企业举措     expert      20
企业帮扶     帮扶企业提升成效     questionnaire 30
企业帮扶     帮扶企业满意度       questionnaire 10
==========  ==================  ========  =====

Rationale: the three areas the annex names weigh 20/20/60 — assistance to enterprises is what the
action is for, and within it the measured results (third-party questionnaire) weigh most.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

EXPERT = "expert"
QUESTIONNAIRE = "questionnaire"

# The six result indicators of item 帮扶企业提升成效, in annex order, and the key the questionnaire
# aggregates use for each.
RESULT_KEYS = ("operating", "quality", "qm_level", "credit_brand", "digital", "lasting")

ANNEX1: list[dict[str, Any]] = [
    {
        "number": 1,
        "name": "组织发动",
        "items": [
            {
                "code": "organisation",
                "name": "组织发动举措",
                "method": EXPERT,
                "weight": Decimal("20"),
                "indicators": [
                    "发文统一部署安排提升行动；",
                    "将提升行动纳入到各级政府工作考核体系当中，将提升行动纳入到政府工作考核体系；",
                    "将提升行动列入到“十四五”规划等长期发展计划当中；",
                    "为提升行动有配套的支持政策，例如资金支持、金融信贷等政策；",
                    "协同其他政府部门，联合组织持续开展面向小微企业的提升行动；",
                    "以提升行动助推服务国家、区域及地方重要战略实施；",
                    "以提升行动推动认证采信举措。",
                ],
            },
        ],
    },
    {
        "number": 2,
        "name": "宣传培训",
        "items": [
            {
                "code": "publicity",
                "name": "宣传举措及影响力",
                "method": EXPERT,
                "weight": Decimal("10"),
                "indicators": [
                    "宣传面是否足够广泛；",
                    "宣传方式是否丰富多样、新颖感人；",
                    "宣传力度是否持续强大；",
                    "宣传造成了较好的社会影响：",
                    "在知名度高、影响力大的媒体上宣传提升行动的成效;",
                    "结合重大节日开展专题宣传；搭建了针对提升行动的专题宣传平台。",
                ],
            },
            {
                "code": "training",
                "name": "培训数量和质量",
                "method": EXPERT,
                "weight": Decimal("10"),
                "indicators": [
                    "专门的培训平台或者综合培训平台中开辟“提升行动”专栏；",
                    "培训数量情况，包括培训企业数量和培训人员数量；",
                    "是否为提升行动的培训工作配备足够数量的专家团队；",
                    "培训方式是否丰富多样；",
                    "是否针对提升行动研发专门的培训教材；",
                    "培训对象的满意度情况。",
                ],
            },
        ],
    },
    {
        "number": 3,
        "name": "企业帮扶",
        "items": [
            {
                "code": "measures",
                "name": "精准帮扶企业举措",
                "method": EXPERT,
                "weight": Decimal("20"),
                "indicators": [
                    "实施精准帮扶前系统开展了充分的需求调研；",
                    "对企业的行业共性特点、地域发展特点和个性需求有准确的把握；",
                    "准确导入和实施ISO9001质量管理体系标准的要求；",
                    "对企业实施持续帮扶并针对质量提升制定持续性改进方案；",
                    "为提升行动配备了足够数量的高水平专家；",
                    "精准帮扶具有典型性、引领性和辐射性;",
                    "精准帮扶经验是否可复制、可推广；",
                    "精准帮扶举措是否建立了健全的监测评价机制，及时跟踪实施效果；",
                    "精准帮扶对加快产业结构优化升级和产业链供应链协同提升的效果；",
                    "精准帮扶举措是否能长期产生积极的效果。",
                ],
            },
            {
                "code": "results",
                "name": "帮扶企业提升成效",
                "method": QUESTIONNAIRE,
                "weight": Decimal("30"),
                "indicators": [
                    "精准帮扶对企业运营绩效的提升；",
                    "精准帮扶对企业产品服务质量的提升；",
                    "精准帮扶对质量管理水平的提升；",
                    "精准帮扶对企业信用、品牌的提升；",
                    "精准帮扶对企业数字化信息化水平的提升；",
                    "持续性精准帮扶提升效果。",
                ],
                "result_keys": RESULT_KEYS,
            },
            {
                "code": "satisfaction",
                "name": "帮扶企业满意度",
                "method": QUESTIONNAIRE,
                "weight": Decimal("10"),
                "indicators": ["被帮扶小微企业对提升行动的满意度测评"],
            },
        ],
    },
]

METHOD_TEXT = {
    EXPERT: "专家综合定性打分法：依据各省局自评报告、实地调研和汇报情况，由专家综合组织发动、宣传培训和精准帮扶举措，"
    "确定最终得分情况。关注表现突出和进步提升较大的工作成效。",
    QUESTIONNAIRE: "第三方问卷测评：对各省所有帮扶企业进行问卷调查，"
    "综合问卷调研中小微企业对提升成效、满意度、意见建议，确定最终得分。重点关注表现突出和提升成效进步较大的省局。",
}
