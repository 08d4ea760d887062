"""Report builders: the annex-1 score sheet / ranked report and the year's summary, as XLSX and PDF.

Builders take already-authorised objects (the caller — a view, a job handler or a management command —
decides who may build what) and return bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from programme.models import OrgUnit, OrgUnitLevel
from reporting import indicators
from reporting.numbers import NO_DATA
from reporting.pdf import render_pdf
from reporting.xlsx import new_workbook, workbook_bytes, write_table, xlsx_cell, xlsx_row

from . import scoring
from .annex import METHOD_TEXT
from .charts import Bar, ranking_chart
from .models import (
    FIGURE_FIELDS,
    Evaluation,
    IndicatorArea,
    IndicatorItem,
    Method,
    UnitResult,
)
from .services import scheme_ensure

NUMBER_FORMAT = "0.00"


@dataclass
class AreaColumns:
    area: IndicatorArea
    items: list[IndicatorItem]

    @property
    def weight(self) -> Decimal:
        return sum((i.weight for i in self.items), Decimal(0))

    @property
    def header(self) -> str:
        return f"{self.area.name}（{self.weight.normalize():f}分）"


@dataclass
class ScoreSheet:
    evaluation: Evaluation
    areas: list[AreaColumns]
    results: list[UnitResult]
    generated_at: Any = field(default_factory=timezone.now)

    @property
    def year(self) -> int:
        return self.evaluation.programme_year_id

    @property
    def level_label(self) -> str:
        return "省级单位" if self.evaluation.unit_level == OrgUnitLevel.PROVINCE else "区县"

    @property
    def title(self) -> str:
        scope = "全国" if self.evaluation.evaluator.level == OrgUnitLevel.COUNTRY else self.evaluation.evaluator.name
        return f"{self.year}年{scope}小微企业质量管理体系认证提升行动工作成效评估结果（{self.level_label}）"

    @property
    def items(self) -> list[IndicatorItem]:
        return [i for a in self.areas for i in a.items]

    def area_score(self, result: UnitResult, area: AreaColumns) -> Decimal:
        return Decimal(result.area_scores.get(str(area.area.number), "0"))

    def item_score(self, result: UnitResult, item: IndicatorItem) -> Decimal:
        return Decimal(result.item_scores.get(item.code, "0"))

    def outstanding(self) -> list[UnitResult]:
        return [r for r in self.results if r.outstanding]

    def most_improved(self) -> list[UnitResult]:
        return sorted((r for r in self.results if r.most_improved),
                      key=lambda r: (-(r.rank_change or 0), r.rank, r.unit.code))


def score_sheet_data(*, evaluation: Evaluation) -> ScoreSheet:
    scheme = scheme_ensure(actor=None, year=evaluation.programme_year_id, source="report")
    items = list(scheme.items.select_related("area").order_by("order"))
    areas: list[AreaColumns] = []
    for item in items:
        if not areas or areas[-1].area.pk != item.area_id:
            areas.append(AreaColumns(area=item.area, items=[]))
        areas[-1].items.append(item)
    results = list(UnitResult.objects.filter(evaluation=evaluation).select_related("unit")
                   .order_by("rank", "unit__code"))
    return ScoreSheet(evaluation=evaluation, areas=areas, results=results)


def short_name(unit: OrgUnit) -> str:
    return unit.name


def _flags(result: UnitResult) -> str:
    return "、".join(f for f, on in (("表现突出", result.outstanding), ("进步较大", result.most_improved)) if on)


def _change(result: UnitResult) -> str:
    if result.rank_change is None:
        return "—"
    if result.rank_change > 0:
        return f"↑{result.rank_change}"
    if result.rank_change < 0:
        return f"↓{-result.rank_change}"
    return "0"


def summary_headers(sheet: ScoreSheet) -> list[str]:
    return ["排名", "区划代码", "单位", *[a.header for a in sheet.areas], "专家评分小计", "问卷测评小计", "总分",
            "上年排名", "名次变化", "标记"]


def score_sheet_xlsx(sheet: ScoreSheet) -> bytes:
    wb = new_workbook()
    ws = wb.create_sheet("汇总排名")
    headers = summary_headers(sheet)
    n_areas = len(sheet.areas)

    def score(value: Any) -> Any:
        return xlsx_cell(ws, value, number_format=NUMBER_FORMAT)

    rows = [
        [r.rank, r.unit.code, short_name(r.unit), *[score(sheet.area_score(r, a)) for a in sheet.areas],
         score(r.expert_subtotal), score(r.questionnaire_subtotal), score(r.total),
         r.previous_rank if r.previous_rank else "—", _change(r), _flags(r)]
        for r in sheet.results
    ]
    title: list[list[Any]] = [
        [xlsx_cell(ws, sheet.title, font=Font(bold=True, size=14))],
        [f"生成时间：{timezone.localtime(sheet.generated_at):%Y-%m-%d %H:%M}；满分 100 分；排名规则见“评分说明”。"],
    ]
    write_table(ws, headers, rows, above=title, widths=[6, 10, 18, *[16] * n_areas, 12, 12, 10, 9, 9, 18])
    if rows:
        ws.add_chart(_ranking_bar_chart(ws, sheet, n_rows=len(rows)), f"{get_column_letter(len(headers) + 2)}4")
    for area in sheet.areas:
        ws_area = wb.create_sheet(f"{area.area.number} {area.area.name}")
        item_headers: list[str] = []
        for item in area.items:
            item_headers.append(f"{item.name}（{item.weight.normalize():f}分）")
            if item.method == Method.EXPERT:
                item_headers += [f"{item.name}·专家平均分（满分{item.scale_max.normalize():f}）",
                                 f"{item.name}·专家人数"]
            else:
                item_headers.append(f"{item.name}·功效系数得分")
        headers_area = ["排名", "区划代码", "单位", *item_headers, f"{area.area.name}小计"]

        def decimal(value: Any, ws: Any = ws_area) -> Any:
            return xlsx_cell(ws, value, number_format=NUMBER_FORMAT) if isinstance(value, Decimal) else value

        area_rows = []
        for r in sheet.results:
            values: list[Any] = []
            for item in area.items:
                values.append(sheet.item_score(r, item))
                raw = Decimal(str(r.item_raw.get(item.code, 0)))
                if item.method == Method.EXPERT:
                    values += [scoring.round2(raw * item.scale_max / 100), r.expert_counts.get(item.code, 0)]
                else:
                    values.append(scoring.round2(raw))
            area_rows.append([r.rank, r.unit.code, short_name(r.unit),
                              *[decimal(v) for v in [*values, sheet.area_score(r, area)]]])
        write_table(ws_area, headers_area, area_rows,
                    above=[[xlsx_cell(ws_area, f"{sheet.year}年 {area.area.name} 得分明细",
                                      font=Font(bold=True, size=13))]],
                    widths=[6, 10, 18, *[18] * len(item_headers), 12])
    notes = wb.create_sheet("评分说明")
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
    lines = [("考核方式（专家）", METHOD_TEXT[Method.EXPERT]), ("考核方式（问卷）", METHOD_TEXT[Method.QUESTIONNAIRE]),
             ("专家分合成", "5 名及以上专家评分时去掉一个最高分和一个最低分后取平均，否则取平均；"
                           "按 分值 × 平均分 / 满分 折算。"),
             ("问卷得分", "功效系数法：60 + 40 ×（x − 最小值）/（最大值 − 最小值）；"
                         "各单位相同时均得 100；无问卷数据得 60。"),
             ("并列处理", "总分相同时依次比较问卷测评小计、专家评分小计；三者均相同则名次并列，按区划代码排列。"),
             ("进步较大", f"名次较上年上升最多的前 {sheet.evaluation.most_improved_top} 个单位。"),
             ("表现突出", f"排名前 {sheet.evaluation.outstanding_top} 的单位。")]
    lines += [(f"{i.area.name}·{i.name}", f"{i.get_method_display()}，{i.weight.normalize():f} 分")
              for i in sheet.items]
    for label, text in lines:
        notes.append([xlsx_cell(notes, label, font=Font(bold=True)),
                      xlsx_cell(notes, text, alignment=Alignment(wrap_text=True, vertical="top"))])
    return workbook_bytes(wb)


def _ranking_bar_chart(ws: Any, sheet: ScoreSheet, *, n_rows: int) -> BarChart:
    """The ranking as a stacked horizontal bar per unit (one segment per area), first place on top; it reads
    the table's own cells, so the chart follows any correction made in the sheet."""
    n_areas = len(sheet.areas)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = f"{sheet.year}年 {sheet.level_label}得分排名"
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.title = "得分"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.add_data(Reference(ws, min_col=4, max_col=3 + n_areas, min_row=4, max_row=4 + n_rows), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=3, min_row=5, max_row=4 + n_rows))
    chart.width = 20
    chart.height = max(8.0, 0.5 * n_rows)
    return chart


def chart_for(sheet: ScoreSheet) -> Any:
    bars = [Bar(label=short_name(r.unit), rank=r.rank, segments=[sheet.area_score(r, a) for a in sheet.areas],
                total=r.total, flag="★" if r.outstanding else ("↑" if r.most_improved else ""))
            for r in sheet.results]
    return ranking_chart(bars, legend=[a.area.name for a in sheet.areas])


def score_sheet_context(sheet: ScoreSheet) -> dict[str, Any]:
    rows = [{"result": r, "areas": [sheet.area_score(r, a) for a in sheet.areas],
             "items": [sheet.item_score(r, i) for i in sheet.items], "change": _change(r), "flags": _flags(r)}
            for r in sheet.results]
    return {"sheet": sheet, "rows": rows, "chart": chart_for(sheet),
            "outstanding": sheet.outstanding(), "most_improved": sheet.most_improved()}


def score_sheet_pdf(sheet: ScoreSheet) -> bytes:
    return render_pdf("assessments/pdf/score_report.html", score_sheet_context(sheet))


# --- The year's summary (seed 000, first paragraph) ----------------------------------------------------

# The summary's figures, in the order of its table: every one is a catalogue indicator (reporting.indicators).
SUMMARY_KEYS: list[str] = [
    *(f"sa_{name}" for name, _label, _unit in FIGURE_FIELDS),
    "sa_submitted",
    "ledger_cbs", "assisted_enterprises", "fee_reduced_enterprises", "fee_reduction", "problems_found",
    "problems_solved", "training_sessions", "trained_enterprises", "trained_persons",
    "q_revenue", "q_sales", "q_profit_margin", "q_quality_cost", "q_first_pass_yield", "q_customer_satisfaction",
    "q_sat_training", "q_sat_cb_ability", "q_sat_cb_attitude", "q_effect_obvious", "q_effect_very_obvious",
    "q_maturity_rose", "q_burden", "q_response_rate",
]


@dataclass
class Figure:
    key: str
    label: str
    value: Any
    unit: str
    source: str
    text: str = ""  # as the seeds write it ("3.0万家", "320亿元", "—")
    previous: Any = None  # the year before
    change: str = ""  # "比2022年增加93%", "" without the year before


@dataclass
class Summary:
    year: int
    scope: OrgUnit
    figures: list[Figure]
    paragraph: str
    missing: list[str]

    def get(self, key: str) -> Any:
        return next((f.value for f in self.figures if f.key == key), None)

    def text(self, key: str) -> str:
        return next((f.text for f in self.figures if f.key == key), NO_DATA)


def summary_data(*, year: int, scope: OrgUnit) -> Summary:
    """The summary figures of ``scope`` (the country or a province) for ``year``, read from the catalogue, each
    with its value the year before and the change."""
    table = indicators.compute(SUMMARY_KEYS, units=[scope], years=[year - 1, year])
    figures: list[Figure] = []
    for ind in indicators.indicators(SUMMARY_KEYS):
        value = table.get(ind.key, scope.code, year)
        previous = table.get(ind.key, scope.code, year - 1)
        figures.append(Figure(ind.key, str(ind.name), value, ind.unit, str(ind.source.label), ind.format(value),
                              previous, ind.change(value, previous, previous_year=year - 1)))
    missing = [str(source.label) for source in table.sources_without_data(SUMMARY_KEYS, scope.code, year)]
    s = Summary(year=year, scope=scope, figures=figures, paragraph="", missing=missing)
    s.paragraph = _paragraph(s)
    return s


@dataclass(frozen=True)
class Part:
    """A piece of the year's first paragraph: words, or the scope's figure ``key`` of the year. A figure written
    after a word that says which way it went ("质量成本控制率下降6.0%") is written without its sign (``magnitude``).
    ``compare`` marks where the annual report says how that figure changed on the year before (``subject`` names
    the figure when it is not the last words before the mark); the summary states no change."""

    text: str = ""
    key: str = ""
    magnitude: bool = False
    compare: str = ""
    subject: str = ""


def direction_word(value: Any, up: str = "提升", down: str = "下降") -> str:
    """The word that says which way a change went, for a figure written without its sign after it."""
    return down if value is not None and value < 0 else up


def summary_parts(*, year: int, scope: OrgUnit, value: Callable[[str], Any]) -> list[Part]:
    """Seed 000's first paragraph ("2023年，全国各地累计出台激励政策1108项…") as words and figures; ``value(key)`` is
    the scope's figure of the year. The summary writes it as text, the annual report as runs carrying the figures."""
    where = "全国各地" if scope.level == OrgUnitLevel.COUNTRY else scope.name
    parts = [
        Part(f"{year}年，{where}累计出台激励政策"), Part(key="sa_incentive_policies"),
        Part(compare="sa_incentive_policies"),
        Part("，为小微企业提供金融信贷支持"), Part(key="sa_credit_support"), Part(compare="sa_credit_support"),
        Part("，落实"), Part(key="sa_fiscal_subsidies"), Part("财政补贴。"),
        Part(key="ledger_cbs"), Part("认证机构为"), Part(key="assisted_enterprises"), Part("小微企业实施精准帮扶"),
        Part(compare="assisted_enterprises", subject="帮扶企业数"),
        Part("，为"), Part(key="fee_reduced_enterprises"), Part("企业减免认证费用"), Part(key="fee_reduction"),
        Part("，为"), Part(key="trained_enterprises"), Part("企业免费培训"), Part(key="trained_persons"),
        Part(compare="trained_persons"), Part("。"),
    ]
    if value("q_revenue") is not None:
        revenue, sales, profit, cost = (value(k) for k in ("q_revenue", "q_sales", "q_profit_margin",
                                                           "q_quality_cost"))
        parts += [
            Part(f"据统计，{year}年参与提升行动的小微企业年度营收平均{direction_word(revenue)}"),
            Part(key="q_revenue", magnitude=True),
            Part(f"，年产品销售额{direction_word(sales)}"), Part(key="q_sales", magnitude=True),
            Part(f"，年利润率{direction_word(profit)}"), Part(key="q_profit_margin", magnitude=True),
            Part(f"，质量成本控制率{direction_word(cost, '上升', '下降') if cost is not None else '变化'}"),
            Part(key="q_quality_cost", magnitude=True), Part("。"),
        ]
    return parts


def _paragraph(s: Summary) -> str:
    """Seed 000's first paragraph, from the figures ("—" where there is no data)."""

    def write(part: Part) -> str:
        if not part.key:
            return part.text
        value = s.get(part.key)
        ind = indicators.indicator(part.key)
        if part.magnitude and value is not None and ind is not None:
            return ind.format(abs(value))
        return s.text(part.key)

    return "".join(write(p) for p in summary_parts(year=s.year, scope=s.scope, value=s.get))


def summary_xlsx(summary: Summary) -> bytes:
    wb = new_workbook()
    ws = wb.create_sheet("年度汇总")
    ws.merged_cells.add("A2:D2")
    ws.row_dimensions[2].height = 90
    title: list[list[Any]] = [
        [xlsx_cell(ws, f"{summary.year}年{summary.scope.name if summary.scope.parent_id else '全国'}"
                       f"提升行动工作情况汇总", font=Font(bold=True, size=14))],
        [xlsx_cell(ws, summary.paragraph, alignment=Alignment(wrap_text=True, vertical="top"))],
    ]
    rows = [[f.label, f.value if f.value is not None else NO_DATA, f.unit, f.text, f.change or NO_DATA, f.source]
            for f in summary.figures]
    write_table(ws, ["指标", "数值", "单位", "写法", f"比{summary.year - 1}年", "数据来源"], rows, above=title,
                widths=[34, 16, 8, 14, 22, 12])
    if summary.missing:
        ws.append([])
        ws.append(xlsx_row(ws, ["暂缺数据：" + "、".join(summary.missing)]))
    return workbook_bytes(wb)


def summary_pdf(summary: Summary) -> bytes:
    return render_pdf("assessments/pdf/summary.html", {"summary": summary})
