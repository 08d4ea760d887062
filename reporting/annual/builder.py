"""The draft of the year's 工作总结, written from the catalogue as seed 000 (HQ's 2023 report) writes it.

HQ's report covers the country and names its provincial units ("省局"); a province's covers the province and names
its districts. Every figure is the catalogue's (``reporting.indicators``): one ``compute`` for the scope in the year
and the year before, one for the sub-units in the year, each written by the catalogue's formatter as a run that
carries it (``draft.Number``). The ranking comes from the year's published evaluation of the scope; what only people
can write (the political opening, typical local examples, the experience, the next steps) is a marked placeholder.
The document's text is Chinese whatever the language of whoever asked for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone, translation

from assessments.models import FIGURE_FIELDS, Evaluation, EvaluationStatus
from assessments.reports import (
    SUMMARY_KEYS,
    ScoreSheet,
    direction_word,
    score_sheet_data,
    short_name,
    summary_parts,
)
from programme.models import FIRST_PROGRAMME_YEAR, OrgUnit, OrgUnitLevel
from reporting import indicators
from reporting.analytics.dashboard import MAP_KEY, map_svg
from reporting.analytics.scope import sub_units
from reporting.charts import BarRow, bar_chart
from reporting.numbers import NO_DATA, number_text, points_text

from .draft import Block, Draft, Heading, Number, Paragraph, Picture, Run, Table, number, placeholder, text

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
DOCUMENT_LANGUAGE = "zh-hans"  # an official Chinese document, whoever asks for it
PILOTS_KEY = "q_effect_very_obvious_pilots"
SA_KEYS = [f"sa_{name}" for name, _label, _unit in FIGURE_FIELDS]
SCOPE_KEYS = list(dict.fromkeys([*SUMMARY_KEYS, *SA_KEYS, "problems_solved", "cases_recommended", "pilot_regions",
                                 "q_effect_very_obvious", PILOTS_KEY]))
SUB_KEYS = [*SA_KEYS, "sa_submitted", MAP_KEY]
STEPS = 5  # the figures of the scope, of the sub-units, the evaluation, the chart, the map


class _Writer:
    """What every section needs: the scope, its sub-units, the figures, and what the draft could not say."""

    def __init__(self, *, year: int, scope: OrgUnit, subs: Sequence[OrgUnit], table: indicators.Table,
                 sub_table: indicators.Table) -> None:
        self.year, self.scope, self.subs = year, scope, list(subs)
        self.table, self.sub_table = table, sub_table
        self.national = scope.level == OrgUnitLevel.COUNTRY
        self.first_year = year <= FIRST_PROGRAMME_YEAR
        self.first_year_said = False
        self.uncompared: list[str] = []
        self.notes: list[str] = []

    # --- words that depend on the scope

    @property
    def members(self) -> str:
        """The sub-units as the text counts them: "16个省局", "5个区县"."""
        return "省局" if self.national else "区县"

    @property
    def members_label(self) -> str:
        return "各省级单位" if self.national else "各区县"

    @property
    def where(self) -> str:
        return "全国" if self.national else self.scope.name

    # --- figures

    def value(self, key: str, year: int | None = None) -> Any:
        return self.table.get(key, self.scope.code, self.year if year is None else year)

    def figure(self, key: str, *, year: int | None = None, magnitude: bool = False) -> Run:
        """The scope's figure as a run carrying it; ``magnitude``: without its sign (the words before say which
        way it went). A key not (yet) in the catalogue is written "—" and carries nothing."""
        ind = indicators.indicator(key)
        if ind is None:
            return text(NO_DATA)
        year = self.year if year is None else year
        value = self.value(key, year)
        written = ind.format(abs(value)) if magnitude and value is not None else ind.format(value)
        return number(Number(key, self.scope.code, year, value, written))

    def compare(self, key: str, subject: str = "") -> list[Run]:
        """By how much the scope's figure changed on the year before ("，比2022年增加93%"); in the programme's first
        year (said once) or without the year before's figure, that it is not compared, in its place."""
        ind = indicators.indicator(key)
        current = self.value(key)
        if ind is None or current is None:
            return []
        if self.first_year:
            if self.first_year_said:
                return []
            self.first_year_said = True
            return [text(f"（{self.year}年为提升行动首个年度，无上年数据可比）")]
        previous = self.value(key, self.year - 1)
        if previous is None:
            self.uncompared.append(str(ind.name))
            return [text(f"（{subject}上年无数据，未作比较）")]
        change = ind.change(current, previous, previous_year=self.year - 1)
        if change:
            return [text(f"，{subject}{change}")]
        # The year before was 0: a percentage of nothing means nothing, so the text says what it was.
        return [text(f"，{subject}{self.year - 1}年为"), self.figure(key, year=self.year - 1)]

    def leaders(self, key: str, count: int = 2) -> list[Run]:
        """The sub-units that reported the figure ("山东、辽宁等16个省局"): the ``count`` largest by name, and how
        many reported more than 0 (counted from the catalogue's figure of each sub-unit)."""
        values = [(u, self.sub_table.get(key, u.code, self.year)) for u in self.subs]
        reported = [(u, v) for u, v in values if v is not None and v > 0]
        if not reported:  # none of them reported it: the scope's figure stands on its own
            return [text("各地" if self.national else self.scope.name)]
        reported.sort(key=lambda uv: (-uv[1], uv[0].code))
        names = "、".join(u.short_name for u, _v in reported[:count])
        if len(reported) > count:
            return [text(f"{names}等{len(reported)}个{self.members}")]
        return [text(names)]

    def has(self, *keys: str) -> bool:
        return any(indicators.indicator(k) is not None and self.value(k) is not None for k in keys)

    def direction(self, key: str, up: str = "提升", down: str = "下降") -> str:
        return direction_word(self.value(key), up, down)


# --------------------------------------------------------------------------- the sections


def _opening(w: _Writer) -> list[Block]:
    """A place for the political opening, then seed 000's paragraph of figures (assessments.reports.summary_parts,
    the same words as the year's summary) with the change of the main figures on the year before."""
    runs: list[Run] = []
    for part in summary_parts(year=w.year, scope=w.scope, value=w.value):
        if part.compare:
            runs += w.compare(part.compare, part.subject)
        elif part.key:
            runs.append(w.figure(part.key, magnitude=part.magnitude))
        else:
            runs.append(text(part.text))
    return [
        Paragraph([placeholder("开篇：贯彻落实习近平总书记关于支持中小企业发展的重要论述和党中央、国务院决策部署，"
                               "组织推进提升行动的总体情况")]),
        Paragraph(runs),
    ]


def _evaluation(w: _Writer) -> list[Block]:
    """The year's published evaluation of the scope: the top and the most improved, the cases selected, and the
    ranking as a table; without a published evaluation, a sentence saying so."""
    evaluation = (Evaluation.objects.filter(programme_year_id=w.year, evaluator=w.scope,
                                            status=EvaluationStatus.PUBLISHED).select_related("evaluator").first())
    cases_from = "各省局" if w.national else "各区县"
    if evaluation is None:
        w.notes.append(f"{w.year}年度工作成效评估结果尚未发布，草稿未写评估排名；发布后请重新生成。")
        return [Paragraph([
            text(f"{w.year}年度工作成效评估结果尚未发布，评估排名待结果发布后补充。{cases_from}共推荐企业优良案例"),
            w.figure("cases_recommended"), text("，地方典型经验"), placeholder("地方典型经验数"), text("个。"),
        ])]
    sheet = score_sheet_data(evaluation=evaluation)
    organiser = "总局" if w.national else f"{w.scope.name}市场监管局"
    ranked = "省份" if w.national else "区县"
    runs = [text(f"{w.year}年度，{organiser}组织开展提升行动工作成效评估，先后组织{w.members}自评、专家评审、"
                 f"问卷测评、综合评价等工作，并形成评估结果。")]
    top, improved = sheet.outstanding(), sheet.most_improved()
    if top:
        runs.append(text(f"排名前{len(top)}的{ranked}依次为：{'、'.join(r.unit.short_name for r in top)}"))
    else:
        runs.append(text("评估结果未列出排名靠前的单位"))
    if improved:
        runs.append(text(f"；排名进步较大的{ranked}为：{'、'.join(r.unit.short_name for r in improved)}。"))
    else:
        runs.append(text(f"；无上年排名可比，未评出排名进步较大的{ranked}。"))
    runs += [text("通过评估，遴选了"), placeholder("地方典型经验数"), text("个地方典型经验和"),
             w.figure("cases_recommended"), text("企业优良案例。")]
    return [Paragraph(runs), _ranking_table(w, sheet)]


def _ranking_table(w: _Writer, sheet: ScoreSheet) -> Table:
    """The ranking as published: the scores are the evaluation's own (two decimals, as its score sheet), not
    catalogue figures."""
    rows = [[str(r.rank), short_name(r.unit), number_text(r.total, "分", digits=2)] for r in sheet.results]
    return Table(caption=f"表1  {w.year}年度{w.members_label}工作成效评估排名", headers=["排名", "单位", "总分"],
                 rows=rows)


def _coordination(w: _Writer) -> Paragraph:
    """（一）: policies, credit, subsidies and fee reductions, cross-department work, who took part, publicity."""
    government = "省委省政府" if w.national else "地方党委政府"
    runs: list[Run] = [
        text("一是加强政策引导。", bold=True),
        placeholder("贯彻落实《质量强国建设纲要》等决策部署、将提升行动纳入地方发展规划和质量强省（市）工作的情况"),
        text("二是完善政策激励。", bold=True),
        placeholder("调研、现场推进会、经验交流等工作情况"),
        text(f"{'各地方' if w.national else '各区县'}积极制定提升行动方案或实施意见，出台政策激励措施达"),
        w.figure("sa_incentive_policies"), *w.compare("sa_incentive_policies"), text("。"),
        *w.leaders("sa_government_plan_policies"), text(f"将提升行动纳入{government}政策部署共计"),
        w.figure("sa_government_plan_policies"), text("，"),
        *w.leaders("sa_credit_policies", 3),
        text("围绕小微企业融资增信需求，将质量管理体系认证链接“认证贷”服务，出台提升行动金融信贷政策"),
        w.figure("sa_credit_policies"), text("，为小微企业提供金融信贷支持"), w.figure("sa_credit_support"),
        *w.compare("sa_credit_support"), text("。"),
        *w.leaders("sa_fiscal_subsidies"), text("落实财政补贴"), w.figure("sa_fiscal_subsidies"), text("。"),
        placeholder("政策激励的典型做法（如联合金融部门降低认证融资门槛）"),
        text("认证机构为"), w.figure("fee_reduced_enterprises"), text("企业减免认证费用共计"),
        w.figure("fee_reduction"), text("。"),
        text("三是强化协同联动。", bold=True),
        placeholder("整合计量、标准、检验检测等要素资源协同帮扶的情况"),
        *w.leaders("sa_cross_department_policies"),
        text("与工信、发改、商务、财政等部门建立协同联动提升的工作机制，出台跨部门联动政策"),
        w.figure("sa_cross_department_policies"), text("。"),
        w.figure("sa_cbs_involved"), text("认证机构、"), w.figure("sa_parks_involved"), text("产业/工业园区、"),
        w.figure("sa_associations_involved"), text("学协会、"), w.figure("sa_alliances_involved"), text("联盟和"),
        w.figure("sa_experts_involved"), text("认证专家深度参与提升行动。"),
        text("四是深化宣传培训。", bold=True),
        placeholder("培训平台、新媒体、主题活动等宣传培训工作情况"),
        text(f"{w.where}累计组织培训"), w.figure("sa_training_sessions"), text("、发放宣传资料"),
        w.figure("sa_publicity_materials"), text("、官方宣传报道"), w.figure("sa_media_reports"),
        text("、编制行业案例"), w.figure("sa_cases_compiled"), text("、制作宣传视频"), w.figure("sa_videos"),
        text("、征集论文"), w.figure("sa_papers"),
    ]
    if w.has("q_sat_training"):
        runs += [text("，"), w.figure("q_sat_training"), text("的企业对“宣传培训”表示满意")]
    runs.append(text("。"))
    return Paragraph(runs, lead="（一）强化统筹推进，质量提升氛围更加浓厚。")


def _assistance(w: _Writer, pictures: int) -> Paragraph:
    """（二）: the effects the questionnaire measured, and a pointer to the pictures."""
    runs: list[Run] = [
        text("一是聚焦小微企业质量竞争力塑造持续发力。", bold=True),
        placeholder("分类挖掘企业质量难点、专家进企、质量诊断等帮扶做法和企业案例"),
    ]
    if pictures:
        refs = "、".join(f"图{n}" for n in range(1, pictures + 1))
        runs.append(text(f"{w.members_label}精准帮扶小微企业情况见{refs}。"))
    metrics = ("q_profit_margin", "q_quality_cost", "q_first_pass_yield", "q_customer_satisfaction")
    if w.has(*metrics):
        runs += [
            text(f"据问卷调查，{w.year}年参与提升行动的小微企业年利润率平均{w.direction('q_profit_margin')}"),
            w.figure("q_profit_margin", magnitude=True),
            text(f"，质量成本控制率{w.direction('q_quality_cost', '上升', '下降')}"),
            w.figure("q_quality_cost", magnitude=True),
            text(f"，产品一次交验合格率平均{w.direction('q_first_pass_yield')}"),
            w.figure("q_first_pass_yield", magnitude=True),
            text(f"，消费者满意度平均{w.direction('q_customer_satisfaction')}"),
            w.figure("q_customer_satisfaction", magnitude=True), text("。"),
        ]
    else:
        runs.append(placeholder(f"参与提升行动的小微企业经营成效（{w.year}年暂无问卷数据）"))
    runs += [text("二是赋能产业链供应链韧性和安全水平有效提升。", bold=True),
             placeholder("聚焦产业链供应链共性质量问题、“链主”企业带动的做法和案例")]
    return Paragraph(runs, lead="（二）优化精准帮扶，强企强链效能更加显著。")


def _regions(w: _Writer) -> Paragraph:
    """（三）: the pilots, and how their enterprises' "非常明显" rate compares with the scope's."""
    runs: list[Run] = [text("一是助推区域经济高质量发展。", bold=True),
                       placeholder("质量认证与区域特色产业、支柱产业结合的总体情况")]
    pilots = w.value("pilot_regions")
    rate_ind = indicators.indicator(PILOTS_KEY)
    if rate_ind is None:
        w.notes.append("“区域试点内企业提升效果非常明显率”尚未纳入指标目录，草稿写作“—”。")
    rate = w.value(PILOTS_KEY) if rate_ind is not None else None
    if not pilots:
        runs.append(text(f"{w.year}年{w.where}暂无在试的提升行动区域试点。"))
    elif rate is None or rate_ind is None:
        runs += [text(f"{w.year}年共有"), w.figure("pilot_regions"),
                 text("提升行动区域试点在试，试点内企业的“提升效果非常明显率”为"), w.figure(PILOTS_KEY),
                 text("（暂无问卷数据）。")]
    else:
        runs += [text("第三方问卷调查显示，"), w.figure("pilot_regions"),
                 text("提升行动区域试点内的企业“提升效果非常明显率”为"), w.figure(PILOTS_KEY)]
        overall = w.value("q_effect_very_obvious")
        points = rate_ind.change_value(rate, overall)
        average = f"{w.where}平均水平"
        if points is not None:
            if points > 0:
                runs.append(text(f"，超过{average}{points_text(points)}个百分点"))
            elif points < 0:
                runs.append(text(f"，低于{average}{points_text(points)}个百分点"))
            else:
                runs.append(text(f"，与{average}持平"))
        runs.append(text("。"))
    runs += [placeholder("区域试点典型案例"),
             text("二是培育区域品牌质量优势。", bold=True),
             placeholder("以质量认证为牵引夯实要素保障、培育区域品牌的做法"),
             text("三是探索区域协同提升模式。", bold=True), placeholder("跨区域联合政策、区域协同提升机制的做法")]
    return Paragraph(runs, lead="（三）完善要素协同，服务区域发展更加有力。")


def _supply(w: _Writer) -> Paragraph:
    """（四）: the quality problems solved and the satisfaction with the certification bodies."""
    runs: list[Run] = [
        text("一是优化认证服务。", bold=True),
        text(f"{w.year}年度，各{w.members}组织认证机构有效解决小微企业质量问题"), w.figure("problems_solved"),
    ]
    if w.has("q_sat_cb_ability", "q_sat_cb_attitude"):
        ability, attitude = w.figure("q_sat_cb_ability"), w.figure("q_sat_cb_attitude")
        runs.append(text("，小微企业对认证机构“专业能力”和“服务态度”的满意率"))
        if ability.text == attitude.text:
            runs += [text("均达"), ability]
        else:
            runs += [text("分别为"), ability, text("和"), attitude]
    runs += [text("。"), placeholder("认证服务的典型做法和成效"),
             text("二是推进认证创新。", bold=True), placeholder("行业特色认证、分级认证、认证规则创新等情况"),
             text("三是推动认证采信。", bold=True), placeholder("推动认证结果采信的措施和成效")]
    return Paragraph(runs, lead="（四）提升认证供给，质量认证服务更加专业。")


def _directions(w: _Writer) -> Paragraph:
    """三: seed 000's "认为提升效果明显的小微企业占比虽达90%，但比2022年下降7个百分点", then what people write."""
    runs: list[Run] = []
    ind = indicators.indicator("q_effect_obvious")
    current = w.value("q_effect_obvious")
    previous = w.value("q_effect_obvious", w.year - 1)
    if ind is not None and current is not None:
        runs.append(text(f"问卷调查显示，{w.year}年认为提升效果明显的小微企业占比"))
        points = None if w.first_year else ind.change_value(current, previous)
        if points is None:
            runs += [text("达"), w.figure("q_effect_obvious"), *w.compare("q_effect_obvious")]
        else:
            change = ind.change(current, previous, previous_year=w.year - 1)
            if points < 0:
                runs += [text("虽达"), w.figure("q_effect_obvious"), text(f"，但{change}")]
            else:
                runs += [text("达"), w.figure("q_effect_obvious"), text(f"，{change}")]
        runs.append(text("。"))
    runs.append(placeholder("需要完善的主要方向：工作机制、企业质量管理提升驱动力、认证行业服务效能等方面的问题和分析"))
    return Paragraph(runs)


def _pictures(w: _Writer) -> list[Picture]:
    """Figure 1, the sorted bars of the assisted enterprises per sub-unit; figure 2, their map."""
    ind = indicators.indicator(MAP_KEY)
    if ind is None:
        return []
    rows = [BarRow(u.short_name, v, ind.format(v)) for u in w.subs
            for v in [w.sub_table.get(MAP_KEY, u.code, w.year)]]
    what = f"{w.year}年{w.members_label}{ind.name}数"
    pictures = [Picture(str(bar_chart(rows, better=str(ind.better))), f"图1  {what}")]
    try:
        svg = map_svg(w.scope, w.sub_table, w.subs, w.year, links=False)
    except Exception:  # the draft goes out without the map rather than not at all; the notes say so
        logger.exception("annual report map of %s could not be drawn", w.scope.code)
        w.notes.append("地图未能生成，草稿中没有分布图。")
    else:
        pictures.append(Picture(str(svg), f"图2  {what}分布"))
    return pictures


def _missing_sources(w: _Writer) -> None:
    missing = [str(s.label) for s in w.table.sources_without_data(SCOPE_KEYS, w.scope.code, w.year)]
    if missing:
        w.notes.append(f"{w.year}年暂无数据：{'、'.join(missing)}（相应数字写作“—”）。")
    not_yet = sum(1 for u in w.subs if not w.sub_table.get("sa_submitted", u.code, w.year))
    if not_yet:
        counted = "全国的自评数字为已提交省局之和" if w.national else "列举的区县不含其数据"
        w.notes.append(f"{not_yet}个{w.members}未提交{w.year}年自评材料，{counted}。")


# --------------------------------------------------------------------------- the draft


def build_draft(*, year: int, scope: OrgUnit, progress: Progress | None = None) -> Draft:
    """The draft of ``scope``'s 工作总结 on ``year``: the country (HQ's, by provincial unit) or a province (its own, by
    district). The caller has checked who may draft it."""
    if scope.level not in (OrgUnitLevel.COUNTRY, OrgUnitLevel.PROVINCE):
        raise ValueError("an annual report covers the country or a province")

    def step(done: int) -> None:
        if progress:
            progress(done, STEPS)

    with translation.override(DOCUMENT_LANGUAGE):
        subs = sub_units(scope)
        table = indicators.compute(SCOPE_KEYS, units=[scope], years=[year - 1, year])
        step(1)
        sub_table = indicators.compute(SUB_KEYS, units=subs, years=[year])
        step(2)
        w = _Writer(year=year, scope=scope, subs=subs, table=table, sub_table=sub_table)
        if w.first_year:
            w.notes.append(f"{year}年为提升行动首个年度，无上年数据可比。")
        blocks: list[Block] = [*_opening(w), *_evaluation(w)]
        step(3)
        pictures = _pictures(w)
        step(4)
        blocks += [
            Heading("一、工作举措与成效", 1),
            _coordination(w),
            _assistance(w, len(pictures)),
            *pictures,
            _regions(w),
            _supply(w),
            Heading("二、经验总结", 1),
            Paragraph([placeholder("经验总结：企业帮扶、产业帮扶、认证牵引、认证采信等方面形成的规律性认识")]),
            Heading("三、需要完善的主要方向", 1),
            _directions(w),
            Heading("四、下一步工作考虑", 1),
            Paragraph([placeholder("下一步工作考虑：区域试点与产业试点、认证供给、政策协同等方面的安排")]),
        ]
        if w.uncompared:
            w.notes.append(f"上年无数据、未作比较：{'、'.join(dict.fromkeys(w.uncompared))}。")
        _missing_sources(w)
        step(STEPS)
        today = timezone.localdate()
        prefix = "" if w.national else scope.name
        return Draft(
            title=f"{prefix}{year}年度“小微企业质量管理体系认证提升行动”工作总结",
            year=year, scope_code=scope.code, scope_name=w.where, blocks=blocks,
            issuer="市场监管总局认证监管司" if w.national else f"{scope.name}市场监督管理局",
            date_text=f"{today.year}年{today.month}月{today.day}日", notes=w.notes,
        )
