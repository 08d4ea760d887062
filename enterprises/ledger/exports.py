from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from portal.audit import audit_record
from portal.models import AuditAction, User
from reporting.jobs import Progress
from reporting.models import Job

from ..intake.common import labels, write_export
from ..models import AssistanceDimension, AssistanceMode, CertificationScheme, Industry, MaturityLevel, SizeClass
from .selectors import ledger_list

LEDGER_HEADERS = [
    "年度",
    "认证机构批准号",
    "认证机构",
    "统一社会信用代码",
    "企业名称（填报）",
    "所在区县代码",
    "所在区县",
    "行业",
    "从业人员（人）",
    "营业收入（万元）",
    "企业规模",
    "帮扶维度",
    "帮扶方式",
    "开始日期",
    "结束日期",
    "参与专家（人）",
    "发现质量问题（个）",
    "解决质量问题（个）",
    "认证费用（元）",
    "减免费用（元）",
    "是否获证",
    "证书编号",
    "认证类别",
    "帮扶前成熟度",
    "帮扶后成熟度",
    "试点区域",
    "备注",
    "提示",
    "更新时间",
]


def ledger_export(job: Job, progress: Progress) -> dict[str, Any]:
    user = User.objects.get(pk=job.created_by_id)
    params = job.params.get("filters", {})
    qs = ledger_list(user=user, **params).select_related("reported_district")
    total = qs.count()
    industry, sizes = dict(Industry.choices), dict(SizeClass.choices)
    schemes, levels = dict(CertificationScheme.choices), dict(MaturityLevel.choices)

    def rows() -> Iterator[list[Any]]:
        for r in qs.iterator(chunk_size=5000):
            yield [
                r.programme_year_id,
                r.certification_body.approval_number,
                r.certification_body.name,
                r.enterprise.uscc,
                r.reported_name,
                r.enterprise.district.code,
                r.enterprise.district.full_name,
                str(industry.get(r.reported_industry, r.reported_industry)),
                r.reported_employees,
                r.reported_revenue,
                str(sizes.get(r.reported_size_class, "")),
                labels(r.dimensions, AssistanceDimension),
                labels(r.modes, AssistanceMode),
                r.start_date,
                r.end_date,
                r.experts_count,
                r.problems_found,
                r.problems_solved,
                r.certification_fee,
                r.fee_reduction,
                "是" if r.certified else "否",
                r.certificate_number,
                str(schemes.get(r.scheme, "")),
                str(levels.get(r.maturity_before, "")),
                str(levels.get(r.maturity_after, "")),
                r.pilot_region,
                r.notes,
                "；".join(r.warnings or []),
                timezone.localtime(r.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]

    result = write_export(job, "帮扶台账", LEDGER_HEADERS, rows(), total, progress)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        obj=job,
        source="web",
        changes={"what": "ledger", "filters": params, "rows": result["rows"]},
    )
    return result
