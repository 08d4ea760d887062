"""Pilot outputs: the annex-3 sheet in the official layout (XLSX and PDF), roll-ups, the annex-2 report PDF.

One grid (``annex3_grid``) describes the official layout — which cells exist, what they say, which are
merged — and both the workbook and the PDF table are drawn from it, so the two cannot drift apart.

Roll-up rule (also printed under every roll-up sheet): counts, per-level counts, funds and output values
(万元) are **summed** over the pilots; rates in % are **averaged** (arithmetic mean over the pilots that
reported the rate — rates of different clusters are not additive). Only sheets the province has accepted
(已通过) enter a roll-up; the per-pilot sheets show every pilot with its status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

from reporting.jobs import job_handler
from reporting.xlsx import new_workbook, workbook_bytes, xlsx_cell

from . import annex2, annex3
from .models import PilotFiling, PilotFilingStatus, PilotRegion, PilotStatistics

if TYPE_CHECKING:
    from portal.models import User

ROLLUP_NOTE = ("汇总口径：企业数量、问题数量、人才数量、各级别数量、配套资金及产值（万元）为各试点之和；"
               "各项比率（%）为填报该项的试点的算术平均值。仅汇总省局审核通过的统计表。")
TWO = Decimal("0.01")

# ---- the official layout as a grid ----------------------------------------------------------------------


@dataclass
class Cell:
    row: int  # 0-based within its table
    col: int
    text: str = ""  # label text (headers, sub-labels, the "提升前：" prefix of a value cell)
    value: Any = None  # a number, or None
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # header | label | value
    number_format: str = "0"

    @property
    def shown(self) -> str:
        return display(self)


@dataclass
class Grid:
    columns: int
    rows: int  # including the header row
    cells: list[Cell] = field(default_factory=list)

    def html_rows(self) -> list[list[Cell]]:
        """Cells grouped by row, in column order, for an HTML table with rowspan/colspan."""
        out: list[list[Cell]] = [[] for _ in range(self.rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out


def _fmt(kind: str) -> str:
    return {"count": "0", "amount": "#,##0.00", "percent": "0.00"}[kind]


def annex3_table1(values: dict[str, Any], industry: str) -> Grid:
    rows = 1 + annex3.TABLE1_ROWS
    n_single = len(annex3.TABLE1_SINGLES)
    grid = Grid(columns=1 + n_single + 2 + len(annex3.TABLE1_PAIRS), rows=rows)
    add = grid.cells.append
    add(Cell(0, 0, annex3.INDUSTRY_HEADER, kind="header"))
    add(Cell(1, 0, industry, rowspan=rows - 1, kind="label"))
    for i, single in enumerate(annex3.TABLE1_SINGLES, start=1):
        add(Cell(0, i, single.header, kind="header"))
        add(Cell(1, i, value=values.get(single.key), rowspan=rows - 1, number_format=_fmt(single.kind)))
    q = 1 + n_single
    add(Cell(0, q, annex3.QUALITY_HEADER, colspan=2, kind="header"))
    for j, pair in enumerate(annex3.QUALITY_PAIRS):
        add(Cell(1 + 2 * j, q, pair.sub_label, rowspan=2, kind="label"))
        add(Cell(1 + 2 * j, q + 1, annex3.BEFORE, values.get(pair.before), number_format=_fmt(pair.kind)))
        add(Cell(2 + 2 * j, q + 1, annex3.AFTER, values.get(pair.after), number_format=_fmt(pair.kind)))
    for k, pair in enumerate(annex3.TABLE1_PAIRS):
        col = q + 2 + k
        add(Cell(0, col, pair.header, kind="header"))
        add(Cell(1, col, annex3.BEFORE, values.get(pair.before), number_format=_fmt(pair.kind)))
        add(Cell(2, col, annex3.AFTER, values.get(pair.after), number_format=_fmt(pair.kind)))
        add(Cell(3, col, "", rowspan=rows - 3, kind="label"))
    return grid


def annex3_table2(values: dict[str, Any]) -> Grid:
    rows = 1 + annex3.TABLE2_ROWS
    grid = Grid(columns=len(annex3.TABLE2_COLUMNS), rows=rows)
    add = grid.cells.append
    for c, column in enumerate(annex3.TABLE2_COLUMNS):
        add(Cell(0, c, column.header, kind="header"))
        if isinstance(column, annex3.Single):
            add(Cell(1, c, value=values.get(column.key), rowspan=rows - 1, number_format=_fmt(column.kind)))
            continue
        for r, (suffix, label) in enumerate(column.levels):
            add(Cell(1 + r, c, label, values.get(f"{column.key}_{suffix}")))
        if len(column.levels) < rows - 1:
            add(Cell(1 + len(column.levels), c, "", rowspan=rows - 1 - len(column.levels), kind="label"))
    return grid


def display(cell: Cell) -> str:
    """The text a person reads in the cell (used by the PDF)."""
    if cell.value is None:
        return cell.text
    if isinstance(cell.value, Decimal | float):
        number = f"{Decimal(cell.value).quantize(TWO, ROUND_HALF_UP):,}" if cell.number_format.startswith("#") \
            else f"{Decimal(cell.value).quantize(TWO, ROUND_HALF_UP)}"
    else:
        number = str(cell.value)
    return f"{cell.text}{number}"


# ---- figures --------------------------------------------------------------------------------------------


def statistics_values(stats: PilotStatistics | None) -> dict[str, Any]:
    if stats is None:
        return {}
    return {name: getattr(stats, name) for name in annex3.all_fields()}


def rollup(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sums of counts and amounts, means of rates (over the rows that have the rate)."""
    rows = list(rows)
    out: dict[str, Any] = {}
    for name in annex3.count_fields():
        present = [r[name] for r in rows if r.get(name) is not None]
        out[name] = sum(present) if present else None
    for name in annex3.amount_fields():
        present = [Decimal(r[name]) for r in rows if r.get(name) is not None]
        out[name] = sum(present, Decimal(0)) if present else None
    for name in annex3.percent_fields():
        present = [Decimal(r[name]) for r in rows if r.get(name) is not None]
        out[name] = (sum(present, Decimal(0)) / len(present)).quantize(TWO, ROUND_HALF_UP) if present else None
    return out


@dataclass
class SheetData:
    """One annex-3 sheet: a pilot's, or a roll-up."""

    sheet_name: str
    title: str
    info: str
    industry: str
    values: dict[str, Any]
    note: str = ""
    filing: PilotFiling | None = None
    pilot: PilotRegion | None = None


def _district_names(pilot: PilotRegion) -> str:
    return "、".join(d.name for d in pilot.districts.all())


def collect_sheets(*, pilots: QuerySet[PilotRegion], year: int, province_rollups: bool,
                   national_rollup: bool) -> list[SheetData]:
    """Roll-ups first (nation, then each province), then one sheet per pilot."""
    pilots = pilots.select_related("province").prefetch_related("districts").order_by(
        "province__code", "batch", "name")
    filings = {f.pilot_id: f for f in PilotFiling.objects.filter(programme_year_id=year, pilot__in=pilots)
               .select_related("statistics")}
    pilot_sheets: list[SheetData] = []
    accepted_by_province: dict[str, list[dict[str, Any]]] = {}
    province_names: dict[str, str] = {}
    for pilot in pilots:
        filing = filings.get(pilot.pk)
        stats = getattr(filing, "statistics", None) if filing else None
        values = statistics_values(stats)
        status = filing.get_status_display() if filing else "未填报"
        late = "（逾期提交）" if filing and filing.is_late else ""
        pilot_sheets.append(SheetData(
            sheet_name=f"{pilot.province.name}-{pilot.industry}",
            title=f"{annex3.TITLE}（{year}年度）",
            info=f"试点名称：{pilot.name}　所属省份：{pilot.province.name}　试点区县：{_district_names(pilot)}"
                 f"　批次：第{pilot.batch}批　状态：{status}{late}",
            industry=pilot.industry, values=values, filing=filing, pilot=pilot,
        ))
        province_names[pilot.province.code] = pilot.province.name
        if filing and filing.status == PilotFilingStatus.ACCEPTED and stats is not None:
            accepted_by_province.setdefault(pilot.province.code, []).append(values)
    rollups: list[SheetData] = []
    counts = {code: sum(1 for p in pilots if p.province.code == code) for code in province_names}
    if national_rollup:
        every = [v for rows in accepted_by_province.values() for v in rows]
        rollups.append(SheetData(
            sheet_name="全国汇总", title=f"{annex3.TITLE}（{year}年度 全国汇总）",
            info=f"范围：全国 {len(province_names)} 个省级单位的 {len(pilot_sheets)} 个区域试点；"
                 f"已审核通过 {len(every)} 个",
            industry=f"全国（{len(every)}个试点）", values=rollup(every), note=ROLLUP_NOTE))
    if province_rollups:
        for code, name in sorted(province_names.items()):
            rows = accepted_by_province.get(code, [])
            rollups.append(SheetData(
                sheet_name=f"{name}汇总", title=f"{annex3.TITLE}（{year}年度 {name}汇总）",
                info=f"范围：{name} {counts[code]} 个区域试点；已审核通过 {len(rows)} 个",
                industry=f"{name}（{len(rows)}个试点）", values=rollup(rows), note=ROLLUP_NOTE))
    return rollups + pilot_sheets


# ---- XLSX -----------------------------------------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
TABLE1_TOP = 3
TABLE2_TOP = TABLE1_TOP + 1 + annex3.TABLE1_ROWS + 1
WIDTH = 1 + len(annex3.TABLE1_SINGLES) + 2 + len(annex3.TABLE1_PAIRS)
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("", name)[:28] or "Sheet"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base[:26]}~{n}", n + 1
    used.add(candidate)
    return candidate


def _grid_cells(ws: Any, grid: Grid, top: int, cells: dict[tuple[int, int], Any]) -> None:
    """Put the grid's cells (1-based sheet coordinates, from row ``top``) into ``cells``; merge its spans."""
    for cell in grid.cells:
        r, c = top + cell.row, 1 + cell.col
        if cell.value is None:
            target = xlsx_cell(ws, cell.text)
        else:
            # The official form prints the label and the figure in one cell ("提升前：92.50"); a custom
            # number format keeps the figure numeric.
            fmt = cell.number_format
            target = xlsx_cell(ws, cell.value, number_format=f'"{cell.text}"{fmt}' if cell.text else fmt)
        target.alignment = CENTER
        if cell.kind == "header":
            target.font = Font(bold=True)
            target.fill = HEADER_FILL
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merged_cells.add(CellRange(min_row=r, min_col=c, max_row=r + cell.rowspan - 1,
                                          max_col=c + cell.colspan - 1))
        for rr in range(r, r + cell.rowspan):
            for cc in range(c, c + cell.colspan):
                covered = target if (rr, cc) == (r, c) else xlsx_cell(ws, None)
                covered.border = BOX
                cells[rr, cc] = covered


def write_annex3_sheet(ws: Any, sheet: SheetData) -> None:
    """Write one annex-3 sheet into a fresh (write-only) worksheet, row by row."""
    for col in range(1, WIDTH + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.row_dimensions[TABLE1_TOP].height = 96
    ws.row_dimensions[TABLE2_TOP].height = 96
    ws.row_dimensions[2].height = 30
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    cells: dict[tuple[int, int], Any] = {
        (1, 1): xlsx_cell(ws, sheet.title, font=Font(bold=True, size=14),
                          alignment=Alignment(horizontal="center", vertical="center")),
        (2, 1): xlsx_cell(ws, sheet.info, alignment=Alignment(vertical="center", wrap_text=True)),
    }
    ws.merged_cells.add(CellRange(min_row=1, min_col=1, max_row=1, max_col=WIDTH))
    ws.merged_cells.add(CellRange(min_row=2, min_col=1, max_row=2, max_col=WIDTH))
    _grid_cells(ws, annex3_table1(sheet.values, sheet.industry), TABLE1_TOP, cells)
    _grid_cells(ws, annex3_table2(sheet.values), TABLE2_TOP, cells)
    if sheet.note:
        note_row = TABLE2_TOP + 1 + annex3.TABLE2_ROWS + 1
        cells[note_row, 1] = xlsx_cell(ws, sheet.note, alignment=Alignment(wrap_text=True, vertical="top"))
        ws.merged_cells.add(CellRange(min_row=note_row, min_col=1, max_row=note_row, max_col=WIDTH))
        ws.row_dimensions[note_row].height = 32
    last_row = max(r for r, _c in cells)
    for r in range(1, last_row + 1):
        ws.append([cells.get((r, c)) for c in range(1, WIDTH + 1)])


def annex3_workbook(sheets: list[SheetData], progress: Callable[[int, int], None] | None = None) -> bytes:
    """Every sheet is written as it is made (a write-only workbook), so a national workbook of hundreds of
    pilots does not sit in memory cell by cell."""
    wb = new_workbook()
    used: set[str] = set()
    if not sheets:
        wb.create_sheet("说明").append(["没有符合条件的区域试点。"])
    for i, sheet in enumerate(sheets, start=1):
        write_annex3_sheet(wb.create_sheet(_sheet_name(sheet.sheet_name, used)), sheet)
        if progress:
            progress(i, len(sheets))
    return workbook_bytes(wb)


# ---- PDF ------------------------------------------------------------------------------------------------


def _annex2_context(filing: PilotFiling | None) -> list[dict[str, Any]]:
    attachments: dict[str, list[str]] = {}
    if filing is not None:
        for a in filing.attachments.all():
            section = annex2.section_of(a.section)
            attachments.setdefault(section.key if section else a.section, []).append(a.original_name)
    out = []
    for section in annex2.OUTLINE:
        leaves = [{"title": leaf.title if section.subsections else "",
                   "text": getattr(filing, leaf.key, "") if filing else ""} for leaf in section.leaves()]
        out.append({"title": section.title, "leaves": leaves, "attachments": attachments.get(section.key, [])})
    return out


def pilot_pdf(sheets: list[SheetData], *, year: int, include_annex2: bool = True) -> bytes:
    from reporting.pdf import render_pdf  # WeasyPrint loads only when a PDF is made

    items = []
    for sheet in sheets:
        items.append({
            "sheet": sheet,
            "table1": annex3_table1(sheet.values, sheet.industry).html_rows(),
            "table2": annex3_table2(sheet.values).html_rows(),
            "annex2": _annex2_context(sheet.filing) if include_annex2 and sheet.pilot is not None else None,
        })
    return render_pdf("programme/pilot_report_pdf.html", {
        "year": year, "items": items, "annex2_title": annex2.TITLE, "annex3_title": annex3.TITLE,
    })


# ---- jobs -----------------------------------------------------------------------------------------------


def _scope_for(user: User, params: dict[str, Any]) -> tuple[QuerySet[PilotRegion], bool, bool]:
    """Pilots a job may report on, all through the user's scope; and which roll-ups to add."""
    from portal.roles import Role

    year = int(params["year"])
    pilots = PilotRegion.objects.visible_to(user).active_in(year)
    if params.get("province"):
        pilots = pilots.filter(province__code=params["province"])
    if params.get("pilot"):
        pilots = pilots.filter(pk=params["pilot"])
    is_hq = user.is_superuser or user.role == Role.HQ
    province_rollups = not params.get("pilot") and (is_hq or user.role == Role.PROVINCE)
    national = province_rollups and is_hq and not params.get("province")
    return pilots, province_rollups, national


def _scope_label(params: dict[str, Any]) -> str:
    return params.get("province") or ("pilot" + str(params["pilot"]) if params.get("pilot") else "all")


def _store_output(job: Any, name: str, content: Any) -> None:
    """Write the file and record it on the row now (job_run reloads the row after the handler returns).
    A re-run replaces the previous file."""
    from reporting.models import Job

    if job.output:
        job.output.delete(save=False)
    job.output.save(name, content, save=False)
    Job.objects.filter(pk=job.pk).update(output=job.output.name)


@job_handler("pilot_annex3_xlsx")
def handle_annex3_xlsx(job: Any, progress: Callable[[int, int], None]) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    pilots, province_rollups, national = _scope_for(job.created_by, job.params)
    year = int(job.params["year"])
    sheets = collect_sheets(pilots=pilots, year=year, province_rollups=province_rollups,
                            national_rollup=national)
    data = annex3_workbook(sheets, progress)
    _store_output(job, f"pilot-annex3-{year}-{_scope_label(job.params)}.xlsx", ContentFile(data))
    return {"sheets": len(sheets), "pilots": sum(1 for s in sheets if s.pilot is not None)}


@job_handler("pilot_pdf")
def handle_pilot_pdf(job: Any, progress: Callable[[int, int], None]) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    pilots, province_rollups, national = _scope_for(job.created_by, job.params)
    year = int(job.params["year"])
    sheets = collect_sheets(pilots=pilots, year=year, province_rollups=province_rollups,
                            national_rollup=national)
    progress(0, 1)
    data = pilot_pdf(sheets, year=year)
    _store_output(job, f"pilot-report-{year}-{_scope_label(job.params)}.pdf", ContentFile(data))
    progress(1, 1)
    return {"sheets": len(sheets), "bytes": len(data)}
