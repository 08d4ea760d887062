"""Report builders: the annex-1 score sheet / ranked report and the year's summary, as XLSX and PDF.

Builders take already-authorised objects (the caller — a view, a job handler or a management command —
decides who may build what) and return bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from programme.models import OrgUnit, OrgUnitLevel
from reporting.pdf import render_pdf
from reporting.xlsx import new_workbook, workbook_bytes, write_table, xlsx_cell, xlsx_row

from . import scoring
from .annex import METHOD_TEXT
from .charts import Bar, ranking_chart
from .models import (
    FIGURE_FIELDS,
    SUBMITTED_STATUSES,
    Evaluation,
    IndicatorArea,
    IndicatorItem,
    Method,
    SelfAssessment,
    UnitResult,
)
from .questionnaire_adapter import national_figures
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


@dataclass
class Figure:
    key: str
    label: str
    value: Any
    unit: str
    source: str


@dataclass
class Summary:
    year: int
    scope: OrgUnit
    figures: list[Figure]
    paragraph: str
    missing: list[str]

    def get(self, key: str) -> Any:
        return next((f.value for f in self.figures if f.key == key), None)


def _has_field(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _wan(value: Any) -> Decimal:
    """A count in units of ten thousand (万), one decimal."""
    return (Decimal(value or 0) / Decimal(10000)).quantize(Decimal("0.1"))


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{digits}f}"


def summary_data(*, year: int, scope: OrgUnit) -> Summary:
    """Compute the summary figures of ``scope`` (the country or a province) for ``year`` from the data."""
    from enterprises import models as ent

    missing: list[str] = []
    figures: list[Figure] = []
    child_level = OrgUnitLevel.PROVINCE if scope.level == OrgUnitLevel.COUNTRY else OrgUnitLevel.DISTRICT
    sa = SelfAssessment.objects.filter(programme_year_id=year, unit__level=child_level,
                                       unit__path__startswith=scope.path, status__in=SUBMITTED_STATUSES)
    sums = sa.aggregate(n=Count("pk"), **{name: Sum(name) for name, _l, _u in FIGURE_FIELDS})
    for name, label, unit in FIGURE_FIELDS:
        figures.append(Figure(name, label, sums[name] or 0, unit, "自评材料"))
    figures.append(Figure("self_assessments", "已提交自评的单位", sums["n"], "个", "自评材料"))

    ledger = ent.LedgerRecord.objects.filter(programme_year_id=year, enterprise__district__path__startswith=scope.path)
    ledger_agg = ledger.aggregate(cbs=Count("certification_body", distinct=True),
                                  enterprises=Count("enterprise", distinct=True))
    figures.append(Figure("ledger_cbs", "参与帮扶的认证机构", ledger_agg["cbs"], "家", "帮扶台账"))
    figures.append(Figure("assisted_enterprises", "精准帮扶小微企业", ledger_agg["enterprises"], "家", "帮扶台账"))
    if _has_field(ent.LedgerRecord, "fee_reduction"):
        fee = ledger.filter(fee_reduction__gt=0).aggregate(n=Count("enterprise", distinct=True), s=Sum("fee_reduction"))
        figures.append(Figure("fee_reduced_enterprises", "减免认证费用的企业", fee["n"], "家", "帮扶台账"))
        figures.append(Figure("fee_reduction_wan", "减免认证费用合计",
                              (Decimal(fee["s"] or 0) / 10000).quantize(Decimal("0.01")), "万元", "帮扶台账"))
    else:
        missing.append("帮扶台账的减免费用字段")
    if _has_field(ent.LedgerRecord, "problems_solved"):
        probs = ledger.aggregate(found=Sum("problems_found"), solved=Sum("problems_solved"))
        figures.append(Figure("problems_found", "发现质量问题", probs["found"] or 0, "个", "帮扶台账"))
        figures.append(Figure("problems_solved", "解决质量问题", probs["solved"] or 0, "个", "帮扶台账"))
    else:
        missing.append("帮扶台账的质量问题字段")
    training_model = getattr(ent, "TrainingRecord", None)
    if training_model is not None and _has_field(training_model, "person_count"):
        tq = training_model.objects.filter(programme_year_id=year)
        if _has_field(training_model, "district"):
            tq = tq.filter(district__path__startswith=scope.path)
        tr = tq.aggregate(e=Sum("enterprise_count"), p=Sum("person_count"), n=Count("pk"))
        figures.append(Figure("trained_enterprises", "免费培训企业", tr["e"] or 0, "家", "培训台账"))
        figures.append(Figure("trained_persons", "培训人次", tr["p"] or 0, "人次", "培训台账"))
        figures.append(Figure("training_records", "培训台账记录", tr["n"] or 0, "场", "培训台账"))
    else:
        missing.append("培训台账（TrainingRecord）")

    q = national_figures(year=year, unit=None if scope.level == OrgUnitLevel.COUNTRY else scope)
    metric_labels = [("revenue", "年度营收平均变化"), ("sales", "年产品销售额变化"), ("profit_margin", "年利润率变化"),
                     ("quality_cost", "质量成本控制率变化"), ("first_pass_yield", "产品一次交验合格率变化"),
                     ("customer_satisfaction", "消费者满意度变化")]
    if q is None:
        missing.append("企业调查问卷汇总")
    else:
        changes = q["metric_changes"]
        for key, label in metric_labels:
            figures.append(Figure(f"q_{key}", label, _round1(changes.get(key)), "%", "调查问卷"))
        sat = q["satisfaction_rates"]
        for key, label, value in (
            ("q_sat_training", "对宣传培训满意的企业占比", sat.get("training")),
            ("q_sat_cb", "对认证机构专业能力满意的企业占比", sat.get("cb_ability")),
            ("q_sat_attitude", "对认证机构服务态度满意的企业占比", sat.get("cb_attitude")),
            ("q_effect_obvious", "认为效果明显的企业占比", q["effect_obvious_rate"]),
            ("q_effect_very_obvious", "认为效果非常明显的企业占比", q["effect_very_obvious_rate"]),
            ("q_maturity_rose", "成熟度提升至少一级的企业占比", q["maturity_rose_rate"]),
            ("q_burden", "认为增加明显负担的企业占比", q["burden_rate"]),
            ("q_response_rate", "问卷回收率", q["response_rate"]),
        ):
            figures.append(Figure(key, label, _round1(value), "%", "调查问卷"))

    s = Summary(year=year, scope=scope, figures=figures, paragraph="", missing=missing)
    s.paragraph = _paragraph(s)
    return s


def _round1(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def _paragraph(s: Summary) -> str:
    scope = "全国各地" if s.scope.level == OrgUnitLevel.COUNTRY else f"{s.scope.name}各区"
    credit_yi = Decimal(s.get("credit_support") or 0) / 10000
    subsidy_yi = Decimal(s.get("fiscal_subsidies") or 0) / 10000
    text = (f"{s.year}年，{scope}累计出台激励政策{s.get('incentive_policies')}项，为小微企业提供金融信贷支持"
            f"{credit_yi:.1f}亿元，落实{subsidy_yi:.1f}亿元财政补贴。{s.get('ledger_cbs')}家认证机构为"
            f"{_wan(s.get('assisted_enterprises'))}万家小微企业实施精准帮扶")
    if s.get("fee_reduced_enterprises") is not None:
        text += (f"，为{_wan(s.get('fee_reduced_enterprises'))}万家企业减免认证费用"
                 f"{Decimal(s.get('fee_reduction_wan') or 0):.0f}万元")
    if s.get("trained_persons") is not None:
        text += (f"，为{_wan(s.get('trained_enterprises'))}万家企业免费培训"
                 f"{_wan(s.get('trained_persons'))}万人次")
    text += "。"
    if s.get("q_revenue") is not None:
        qc = s.get("q_quality_cost")
        text += (f"据统计，{s.year}年参与提升行动的小微企业年度营收平均提升{_fmt(s.get('q_revenue'))}%，"
                 f"年产品销售额提升{_fmt(s.get('q_sales'))}%，年利润率提升{_fmt(s.get('q_profit_margin'))}%，"
                 f"质量成本控制率{'下降' if qc is not None and qc < 0 else '变化'}"
                 f"{_fmt(abs(qc) if qc is not None else None)}%。")
    return text


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
    rows = [[f.label, f.value if f.value is not None else "—", f.unit, f.source] for f in summary.figures]
    write_table(ws, ["指标", "数值", "单位", "数据来源"], rows, above=title, widths=[34, 16, 8, 12])
    if summary.missing:
        ws.append([])
        ws.append(xlsx_row(ws, ["暂缺数据：" + "、".join(summary.missing)]))
    return workbook_bytes(wb)


def summary_pdf(summary: Summary) -> bytes:
    return render_pdf("assessments/pdf/summary.html", {"summary": summary})
