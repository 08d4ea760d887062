"""Row validation: every rule of the ledger, with a Chinese message that names the column and the fix.

:class:`RowParser` checks one row on its own (types, enumerations, dates, counts, fees, duplicates within
the file); :meth:`RowParser.resolve` then checks a chunk of parsed rows against the database (registry,
existing records, certificate numbers) and decides new / changed / unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from programme.models import CertificationBody, OrgUnit, OrgUnitLevel

from ..intake import cells
from ..models import CertificationScheme, Enterprise, Industry, LedgerRecord, MaturityLevel, SizeClass
from ..registry.sizing import load_thresholds
from ..registry.uscc import is_valid_uscc, normalise_uscc, uscc_problem
from .columns import COLUMNS, DIMENSION_CODES, MODE_CODES
from .models import RECORD_FIELDS, content_hash

STAGING_FIELDS = [
    "row_number",
    "action",
    "record_id",
    "enterprise_id",
    "uscc",
    "enterprise_update",
    *RECORD_FIELDS,
    "warnings",
    "changes",
    "discrepancies",
    "enterprise_changes",
    "content_hash",
]
F = {name: i for i, name in enumerate(RECORD_FIELDS)}
# RowParser._registry_diff compares the registry's columns with the first six record fields, in this order.
_REGISTRY_MIRROR = (
    "reported_name",
    "reported_district_id",
    "reported_industry",
    "reported_employees",
    "reported_revenue",
    "reported_size_class",
)
if tuple(RECORD_FIELDS[:6]) != _REGISTRY_MIRROR:
    raise ImportError("enterprises.ledger.validation: RECORD_FIELDS no longer starts with the registry's fields")
_CERT_NO = F["certificate_number"]
_SCHEME = F["scheme"]
_REGISTRY_FIELDS = ("pk", "uscc", "name", "district_id", "industry", "employees", "revenue", "size_class")
_E = Enterprise._meta.db_table
_L = LedgerRecord._meta.db_table
_CB = CertificationBody._meta.db_table
_REGISTRY_SQL = (
    f"SELECT id, uscc, name, district_id, industry, employees, revenue, size_class FROM {_E} "  # noqa: S608
    f"WHERE uscc = ANY(%s)"
)
_SHARED_SQL = (
    f"SELECT DISTINCT enterprise_id FROM {_L} WHERE enterprise_id = ANY(%s) "  # noqa: S608
    f"AND NOT (certification_body_id = %s)"
)
# LedgerRecord's ordering (programme year, newest first; CB; enterprise): the first clash found is the one named.
# The numbers looked up are never blank; saying so lets the planner use the partial certificate-number index.
_CERTS_SQL = (
    f"SELECT r.scheme, r.certificate_number, e.uscc, r.certification_body_id, r.programme_year_id "  # noqa: S608
    f"FROM {_L} r JOIN {_E} e ON e.id = r.enterprise_id JOIN {_CB} cb ON cb.id = r.certification_body_id "
    f"WHERE r.certificate_number = ANY(%s) AND r.certificate_number <> '' "
    f"ORDER BY r.programme_year_id DESC, cb.approval_number, e.uscc"
)
_CENT = Decimal("0.01")
_MAX_MONEY = Decimal("9999999999")
MATURITY_ORDER = {code: i for i, code in enumerate(MaturityLevel.values)}
_KEYS = tuple(c.key for c in COLUMNS)
_DIM_COLUMN_KEYS = tuple(f"dim:{code}" for code in DIMENSION_CODES)
_MODE_COLUMN_KEYS = tuple(f"mode:{code}" for code in MODE_CODES)
# RowParser.parse unpacks a row by position, in the template's column order:
_HEAD_KEYS = ("year", "cb", "uscc", "name", "district", "industry", "employees", "revenue")
_TAIL_KEYS = tuple(RECORD_FIELDS[RECORD_FIELDS.index("start_date") :])  # start_date … notes
_DIM_SLICE = slice(len(_HEAD_KEYS), len(_HEAD_KEYS) + len(_DIM_COLUMN_KEYS))
_MODE_SLICE = slice(_DIM_SLICE.stop, _DIM_SLICE.stop + len(_MODE_COLUMN_KEYS))
_TAIL_SLICE = slice(_MODE_SLICE.stop, None)
if (*_HEAD_KEYS, *_DIM_COLUMN_KEYS, *_MODE_COLUMN_KEYS, *_TAIL_KEYS) != _KEYS:
    raise ImportError("enterprises.ledger.validation: RowParser.parse does not match the template's columns")
_ZERO = Decimal(0)
_HEADER_OF = {c.key: c.header for c in COLUMNS}
# A column's choices as a message lists them (its labels in the language of the moment).
_LABELS = {c.key: (lambda c=c: c.options) for c in COLUMNS if c.kind == "enum"}


ENUMS = {
    "industry": cells.choice_map(Industry),
    "scheme": cells.choice_map(CertificationScheme),
    "maturity_before": cells.choice_map(MaturityLevel),
    "maturity_after": cells.choice_map(MaturityLevel),
}


@dataclass
class Issue:
    row: int
    column: str
    message: str
    level: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "level": self.level}


@dataclass
class Parsed:
    row: int
    uscc: str
    values: list[Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """A row that passed every rule, ready for the staging table."""

    parsed: Parsed
    action: str
    record_id: int | None
    enterprise_id: int | None
    enterprise_update: bool
    changes: dict[str, Any]
    discrepancies: list[dict[str, str]]
    enterprise_changes: dict[str, Any]
    content_hash: str

    def as_tuple(self) -> tuple[Any, ...]:
        p = self.parsed
        changes = self.changes
        return (
            p.row,
            self.action,
            self.record_id,
            self.enterprise_id,
            p.uscc,
            self.enterprise_update,
            *p.values,
            _dumps(p.warnings),
            f'{{"row": {changes["row"]}}}' if len(changes) == 1 and "row" in changes else _dumps(changes),
            _dumps(self.discrepancies),
            _dumps(self.enterprise_changes),
            self.content_hash,
        )


def _dumps(value: Any) -> str:
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False, default=str)


def record_values(record: LedgerRecord) -> list[Any]:
    """The comparable content of a stored record, normalised like a parsed row."""
    values = [getattr(record, name) for name in RECORD_FIELDS]
    return [v.quantize(_CENT) if isinstance(v, Decimal) else v for v in values]


@dataclass
class District:
    id: int
    code: str
    level: str
    path: str
    name: str


def load_districts() -> dict[str, District]:
    return {
        code: District(pk, code, level, path, full_name)
        for pk, code, level, path, full_name in OrgUnit.objects.values_list("pk", "code", "level", "path", "full_name")
    }


class RowParser:
    def __init__(
        self, *, certification_body: CertificationBody, year: int, districts: dict[str, District] | None = None
    ) -> None:
        self.cb = certification_body
        self.year = year
        self.year_start = dt.date(year, 1, 1)
        self.year_end = dt.date(year, 12, 31)
        self.districts = districts if districts is not None else load_districts()
        self.district_by_id = {d.id: d for d in self.districts.values()}
        self.thresholds = load_thresholds()
        self.seen_uscc: dict[str, int] = {}
        self.seen_cert: dict[tuple[str, str], int] = {}
        self._positions: list[int] = []
        self._pick: Any = None
        self._min_width = 0
        self.positions = list(range(len(COLUMNS)))
        self._existing: dict[int, tuple[int, str]] | None = None
        self._bounds: dict[str, list[tuple[Any, ...]] | None] = {}

    # ---- one row -------------------------------------------------------------------------------
    @property
    def positions(self) -> list[int]:
        return self._positions

    @positions.setter
    def positions(self, positions: list[int]) -> None:
        self._positions = list(positions)
        # Rows as wide as the header (the usual case) are picked in one C call.
        self._pick = operator.itemgetter(*self._positions) if min(self._positions) >= 0 else None
        self._min_width = max(self._positions) + 1

    def _cells(self, row: list[Any]) -> tuple[Any, ...]:
        if self._pick is not None and len(row) >= self._min_width:
            return self._pick(row)  # type: ignore[no-any-return]
        width = len(row)
        return tuple(row[p] if 0 <= p < width else None for p in self._positions)

    def parse(self, number: int, row: list[Any]) -> tuple[Parsed | None, list[Issue]]:
        issues: list[Issue] = []
        picked = self._cells(row)
        year_raw, cb_cell, raw_uscc, name_raw, district_raw, industry_raw, employees_raw, revenue_raw = picked[:8]
        dim_cells = picked[_DIM_SLICE]
        mode_cells = picked[_MODE_SLICE]
        (
            start_raw,
            end_raw,
            experts_raw,
            found_raw,
            solved_raw,
            fee_raw,
            reduction_raw,
            certified_raw,
            number_raw,
            scheme_raw,
            before_raw,
            after_raw,
            pilot_raw,
            notes_raw,
        ) = picked[_TAIL_SLICE]

        def err(header: str, message: str) -> None:
            issues.append(Issue(number, header, message))

        # year / CB: a CB files only its own ledger, only for the template's year
        if year_raw is not None and year_raw != "" and not (type(year_raw) is float and year_raw == self.year):
            year = _as_int(year_raw)
            if year != self.year:
                err(
                    "年度",
                    _("年度应为%(year)d（本次上传的年度），收到“%(got)s”。请分年度上传。")
                    % {"year": self.year, "got": cells.shown(year_raw)},
                )
        cb_raw = cells.code(cb_cell)
        if cb_raw and cb_raw != self.cb.approval_number:
            err(
                "认证机构批准号",
                _("只能上传本机构（%(own)s）的台账，收到“%(got)s”。请删除他机构的记录。")
                % {"own": self.cb.approval_number, "got": cb_raw},
            )

        uscc = normalise_uscc(raw_uscc)
        valid_uscc = is_valid_uscc(uscc)
        if not uscc:
            err("统一社会信用代码", _("“统一社会信用代码”为必填项，请填写18位代码。"))
        else:
            problem = None if valid_uscc else uscc_problem(uscc)
            if problem:
                err("统一社会信用代码", problem)
            else:
                first = self.seen_uscc.get(uscc)
                if first is not None:
                    err(
                        "统一社会信用代码",
                        _(
                            "同一企业（%(uscc)s）在本文件中重复出现，已在第%(first)d行填报；"
                            "一家企业每年度只填一行，请合并后删除本行。"
                        )
                        % {"uscc": uscc, "first": first},
                    )
                else:
                    self.seen_uscc[uscc] = number

        name = self._safe_text(name_raw, "企业名称", 128, err)
        if not name and not any(i.column == "企业名称" for i in issues):
            err("企业名称", _("“企业名称”为必填项，请填写与营业执照一致的名称。"))

        district_id = None
        code = cells.code(district_raw)
        district = None
        if not code:
            err("所在区县代码", _("“所在区县代码”为必填项，请填写6位县级行政区划代码（见“区县代码”工作表）。"))
        else:
            district = self.districts.get(code)
            if district is None:
                err(
                    "所在区县代码",
                    _("区县代码“%(code)s”不存在，请在“区县代码”工作表中查找正确的6位代码。") % {"code": code},
                )
            elif district.level != OrgUnitLevel.DISTRICT:
                err(
                    "所在区县代码",
                    _("“%(code)s”（%(name)s）不是县级行政区划，请填写企业所在区、县的代码。")
                    % {"code": code, "name": district.name},
                )
                district = None
            else:
                district_id = district.id

        industry = self._enum(industry_raw, "industry", "行业", True, err)
        employees = self._count(employees_raw, "从业人员（人）", err, blank=None)
        revenue = self._money(revenue_raw, "营业收入（万元）", err)

        # "是" and blank are nearly every cell of these columns; anything else goes through the full rule.
        dims = [
            code
            for code, key, value in zip(DIMENSION_CODES, _DIM_COLUMN_KEYS, dim_cells, strict=True)
            if value == "是" or (value != "" and value is not None and self._yes(value, key, err))
        ]
        modes = [
            code
            for code, key, value in zip(MODE_CODES, _MODE_COLUMN_KEYS, mode_cells, strict=True)
            if value == "是" or (value != "" and value is not None and self._yes(value, key, err))
        ]
        if not dims and not any(i.column.startswith("帮扶维度") for i in issues):
            err("帮扶维度", _("请至少在一个“帮扶维度”列填写“是”（质量管理、技术工艺、产品质量、人才队伍）。"))
        if not modes and not any(i.column.startswith("帮扶方式") for i in issues):
            err("帮扶方式", _("请至少在一个“帮扶方式”列填写“是”。"))

        start = self._date(start_raw, "开始日期", err)
        end = self._date(end_raw, "结束日期", err)
        if start and end and end < start:
            err(
                "结束日期",
                _("“结束日期”（%(end)s）早于“开始日期”（%(start)s），请检查。") % {"end": end, "start": start},
            )

        experts = self._count(experts_raw, "参与专家（人）", err)
        found = self._count(found_raw, "发现质量问题（个）", err)
        solved = self._count(solved_raw, "解决质量问题（个）", err)
        if found is not None and solved is not None and solved > found:
            err(
                "解决质量问题（个）",
                _("“解决质量问题”（%(s)d）不能大于“发现质量问题”（%(f)d），请核对。") % {"s": solved, "f": found},
            )

        fee = self._money(fee_raw, "认证费用（元）", err)
        reduction = self._money(reduction_raw, "减免费用（元）", err)
        certified = (
            certified_raw == "是"
            if certified_raw == "是" or certified_raw == "否"
            else self._yes(certified_raw, "certified", err)
        )
        number_text = self._safe_text(number_raw, "证书编号", 64, err)
        scheme = self._enum(scheme_raw, "scheme", "认证类别", False, err)
        if certified and fee is None and not any(i.column == "认证费用（元）" for i in issues):
            err("认证费用（元）", _("“是否获证”为“是”时须填写“认证费用（元）”。"))
        if reduction is not None and fee is None and reduction > 0 and not certified:
            err("认证费用（元）", _("填写了“减免费用”时须同时填写“认证费用（元）”。"))
        if fee is not None and (reduction or _ZERO) >= fee:
            err(
                "减免费用（元）",
                _("“减免费用”（%(r)s元）须低于“认证费用”（%(f)s元）：提升行动不得免费认证，请核对。")
                % {"r": reduction or 0, "f": fee},
            )
        if certified:
            if not number_text and not any(i.column == "证书编号" for i in issues):
                err("证书编号", _("“是否获证”为“是”时须填写“证书编号”。"))
            if not scheme and not any(i.column == "认证类别" for i in issues):
                err("认证类别", _("“是否获证”为“是”时须选择“认证类别”。"))
        if number_text and scheme:
            key = (scheme, number_text)
            first = self.seen_cert.get(key)
            if first is not None:
                err(
                    "证书编号",
                    _("证书编号“%(no)s”已在本文件第%(first)d行使用，同一认证类别内证书编号不得重复。")
                    % {"no": number_text, "first": first},
                )
            else:
                self.seen_cert[key] = number
        before = self._enum(before_raw, "maturity_before", "帮扶前成熟度", False, err)
        after = self._enum(after_raw, "maturity_after", "帮扶后成熟度", False, err)
        pilot = self._safe_text(pilot_raw, "试点区域", 64, err)
        notes = self._safe_text(notes_raw, "备注", 500, err)

        if issues:
            return None, issues

        warnings: list[str] = []
        size = self._size_of(industry, employees, revenue)
        if size in (SizeClass.MEDIUM, SizeClass.LARGE):
            label = SizeClass(size).label
            warnings.append(
                _("按填报的从业人员和营业收入测算为%(size)s企业，不属于小微企业，请核实。") % {"size": label}
            )
            issues.append(Issue(number, "营业收入（万元）", warnings[-1], "warning"))
        division = uscc[2:8]
        if district is not None and division != district.code and f"/{division}/" not in f"/{district.path}":
            warnings.append(
                _("统一社会信用代码中的登记地代码（%(div)s）与所在区县（%(code)s %(name)s）不一致，请核实。")
                % {"div": division, "code": district.code, "name": district.name}
            )
            issues.append(Issue(number, "所在区县代码", warnings[-1], "warning"))
        if before and after and MATURITY_ORDER[after] < MATURITY_ORDER[before]:
            warnings.append(_("帮扶后成熟度低于帮扶前，请核实。"))
            issues.append(Issue(number, "帮扶后成熟度", warnings[-1], "warning"))

        values = [
            name,
            district_id,
            industry,
            employees,
            revenue,
            size,
            ",".join(dims),
            ",".join(modes),
            start,
            end,
            experts,
            found,
            solved,
            fee,
            reduction or Decimal("0.00"),
            certified,
            number_text,
            scheme,
            before,
            after,
            pilot,
            notes,
        ]
        return Parsed(number, uscc, values, warnings), issues

    def _size_of(self, industry: str, employees: int | None, revenue: Decimal | None) -> str:
        """``enterprises.sizing.classify`` (the NBS rule) over prepared bounds; assets are not reported."""
        if industry not in self._bounds:
            rows = self.thresholds.get(industry)
            self._bounds[industry] = (
                [
                    (size, r.min_employees, r.min_revenue, r.min_assets)
                    for size in (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)
                    if (r := rows.get(size)) is not None
                ]
                if rows
                else None
            )
        bounds = self._bounds[industry]
        if bounds is None:
            return SizeClass.UNKNOWN
        for size, min_emp, min_rev, min_assets in bounds:
            if (min_emp is not None and employees is not None and employees < min_emp) or (
                min_rev is not None and revenue is not None and revenue < min_rev
            ):
                continue
            if (
                (min_emp is not None and employees is None)
                or (min_rev is not None and revenue is None)
                or (min_assets is not None)
            ):
                return SizeClass.UNKNOWN
            return size
        return SizeClass.MICRO

    # ---- cell parsers --------------------------------------------------------------------------
    def _safe_text(self, value: Any, header: str, limit: int, err: Any) -> str:
        try:
            return cells.text(value, header, limit=limit)
        except cells.CellProblem as problem:
            err(header, problem.message)
            return ""

    def _enum(self, value: Any, key: str, header: str, required: bool, err: Any) -> str:
        try:
            return cells.choice(
                value, header, mapping=ENUMS[key], labels=_LABELS[key], required=required
            )
        except cells.CellProblem as problem:
            err(header, problem.message)
            return ""

    def _yes(self, value: Any, key: str, err: Any) -> bool:
        header = _HEADER_OF[key]
        try:
            return cells.yes_no(value, header)
        except cells.CellProblem as problem:
            err(header, problem.message)
            return False

    def _count(self, value: Any, header: str, err: Any, blank: int | None = 0) -> int | None:
        try:
            return cells.integer(value, header, blank=blank)
        except cells.CellProblem as problem:
            err(header, problem.message)
            return None

    def _money(self, value: Any, header: str, err: Any) -> Decimal | None:
        try:
            return cells.decimal(value, header, maximum=_MAX_MONEY)
        except cells.CellProblem as problem:
            err(header, problem.message)
            return None

    def _date(self, value: Any, header: str, err: Any) -> dt.date | None:
        if type(value) is dt.datetime and value.year == self.year:
            return value.date()  # the usual date cell, read by calamine
        try:
            return cells.date(value, header, year=self.year)
        except cells.CellProblem as problem:
            err(header, problem.message)
            return None

    # ---- against the database ------------------------------------------------------------------
    def existing_records(self) -> dict[int, tuple[int, str]]:
        if self._existing is None:
            self._existing = {
                ent: (pk, digest)
                for pk, ent, digest in LedgerRecord.objects.filter(
                    certification_body=self.cb, programme_year_id=self.year
                ).order_by().values_list("pk", "enterprise_id", "content_hash")
            }
        return self._existing

    def _lookups(
        self, chunk: list[Parsed]
    ) -> tuple[dict[str, tuple[Any, ...]], set[int], dict[tuple[str, str], list[tuple[Any, ...]]]]:
        """The registry rows of the chunk's enterprises, those of them another CB has reported, and the stored
        records holding the chunk's certificate numbers (per scheme and number, in the model's ordering)."""
        usccs = [p.uscc for p in chunk]
        numbers = list(
            {
                p.values[_CERT_NO]
                for p in chunk
                if p.values[_CERT_NO] and p.values[_SCHEME]
            }
        )
        taken: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        if connection.vendor != "postgresql":
            registry = {
                row[1]: row
                for row in Enterprise.objects.filter(uscc__in=usccs).order_by().values_list(*_REGISTRY_FIELDS)
            }
            ids = [row[0] for row in registry.values()]
            shared = (
                set(
                    LedgerRecord.objects.filter(enterprise_id__in=ids)
                    .exclude(certification_body=self.cb)
                    .order_by()
                    .values_list("enterprise_id", flat=True)
                    .distinct()
                )
                if ids
                else set()
            )
            if numbers:
                for scheme, no, ent, cb_id, year in LedgerRecord.objects.filter(
                    certificate_number__in=numbers
                ).values_list(
                    "scheme", "certificate_number", "enterprise__uscc", "certification_body_id", "programme_year_id"
                ):
                    taken.setdefault((scheme, no), []).append((ent, cb_id, year))
            return registry, shared, taken
        # PostgreSQL: the same three queries with one array parameter each instead of thousands of placeholders
        # (building and splitting those statements cost more than running them).
        with connection.cursor() as cursor:
            cursor.execute(_REGISTRY_SQL, [usccs])
            registry = {row[1]: row for row in cursor.fetchall()}
            shared = set()
            if registry:
                cursor.execute(_SHARED_SQL, [[row[0] for row in registry.values()], self.cb.pk])
                shared = {row[0] for row in cursor.fetchall()}
            if numbers:
                cursor.execute(_CERTS_SQL, [numbers])
                for scheme, no, ent, cb_id, year in cursor.fetchall():
                    taken.setdefault((scheme, no), []).append((ent, cb_id, year))
        return registry, shared, taken

    def resolve(self, chunk: list[Parsed]) -> tuple[list[Staged], list[Issue]]:
        """Check a chunk of parsed rows against the registry and the stored records."""
        if not chunk:
            return [], []
        issues: list[Issue] = []
        registry, shared, taken = self._lookups(chunk)
        existing = self.existing_records()
        staged: list[Staged] = []
        changed_ids: list[int] = []
        for parsed in chunk:
            values = parsed.values
            key = (values[F["scheme"]], values[F["certificate_number"]])
            clash = (
                next(
                    (
                        t
                        for t in taken.get(key, [])
                        if t[0] != parsed.uscc or (t[2] == self.year and t[1] != self.cb.pk)
                    ),
                    None,
                )
                if key[1]
                else None
            )
            if clash is not None:
                issues.append(
                    Issue(
                        parsed.row,
                        "证书编号",
                        _(
                            "证书编号“%(no)s”在“%(scheme)s”类别中已被其他台账记录使用（企业%(uscc)s），同一认证类别内证书编号不得重复。"
                        )
                        % {"no": key[1], "scheme": CertificationScheme(key[0]).label, "uscc": clash[0]},
                    )
                )
                continue
            digest = content_hash(values)
            reg = registry.get(parsed.uscc)
            enterprise_id = reg[0] if reg else None
            update, ent_changes, discrepancies = False, {}, []
            if reg is not None:
                ent_changes = self._registry_diff(reg, values)
                if ent_changes:
                    if reg[0] in shared:
                        discrepancies = self._discrepancies(reg, values)
                        ent_changes = {}
                    else:
                        update = True
            record = existing.get(enterprise_id) if enterprise_id else None
            if record is None:
                action, record_id, changes = "new", None, {"row": parsed.row}
            elif record[1] == digest:
                action, record_id, changes = "unchanged", record[0], {}
            else:
                action, record_id, changes = "changed", record[0], {"row": parsed.row}
                changed_ids.append(record[0])
            staged.append(
                Staged(parsed, action, record_id, enterprise_id, update, changes, discrepancies, ent_changes, digest)
            )
        if changed_ids:
            old = {r.pk: record_values(r) for r in LedgerRecord.objects.filter(pk__in=changed_ids).order_by()}
            for item in staged:
                if item.action == "changed" and item.record_id in old:
                    before = old[item.record_id]
                    item.changes["fields"] = {
                        name: [_jsonable(a), _jsonable(b)]
                        for name, a, b in zip(RECORD_FIELDS, before, item.parsed.values, strict=True)
                        if _jsonable(a) != _jsonable(b)
                    }
        return staged, issues

    def _registry_diff(self, reg: tuple[Any, ...], values: list[Any]) -> dict[str, Any]:
        if reg[2:] == tuple(values[:6]):  # same name, district, industry, employees, revenue, size: no change
            return {}
        _pk, _uscc, name, district_id, industry, employees, revenue, size = reg
        new = {
            "name": values[F["reported_name"]],
            "district_id": values[F["reported_district_id"]],
            "industry": values[F["reported_industry"]],
            "employees": values[F["reported_employees"]],
            "revenue": values[F["reported_revenue"]],
            "size_class": values[F["reported_size_class"]],
        }
        old = {
            "name": name,
            "district_id": district_id,
            "industry": industry,
            "employees": employees,
            "revenue": revenue,
            "size_class": size,
        }
        return {k: [_jsonable(old[k]), _jsonable(v)] for k, v in new.items() if _jsonable(old[k]) != _jsonable(v)}

    def _discrepancies(self, reg: tuple[Any, ...], values: list[Any]) -> list[dict[str, str]]:
        _pk, _uscc, name, district_id, _industry, _employees, _revenue, size = reg
        found = []
        if name != values[F["reported_name"]]:
            found.append({"field": "name", "registry": name, "reported": values[F["reported_name"]]})
        if district_id != values[F["reported_district_id"]]:
            found.append(
                {
                    "field": "district",
                    "registry": self.district_by_id[district_id].code,
                    "reported": self.district_by_id[values[F["reported_district_id"]]].code,
                }
            )
        if size != values[F["reported_size_class"]] and values[F["reported_size_class"]] != SizeClass.UNKNOWN:
            found.append({"field": "size_class", "registry": size, "reported": values[F["reported_size_class"]]})
        return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(_CENT))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _as_int(value: Any) -> int | None:
    text = cells.as_text(value)
    return int(text) if text.isdigit() else None
