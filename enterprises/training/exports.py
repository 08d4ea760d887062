from __future__ import annotations

from typing import Any

from portal.audit import audit_record
from portal.models import AuditAction, User
from reporting.jobs import Progress
from reporting.models import Job

from ..intake.common import write_export
from .selectors import training_list


def training_export(job: Job, progress: Progress) -> dict[str, Any]:
    user = User.objects.get(pk=job.created_by_id)
    params = job.params.get("filters", {})
    qs = training_list(user=user, **params)
    total = qs.count()
    rows = (
        [
            r.programme_year_id,
            r.certification_body.approval_number,
            r.certification_body.name,
            r.held_on,
            r.organiser,
            r.topic,
            r.get_delivery_display(),
            r.district.code,
            r.district.full_name,
            r.enterprise_count,
            r.person_count,
        ]
        for r in qs.iterator(chunk_size=5000)
    )
    headers = [
        "年度",
        "认证机构批准号",
        "认证机构",
        "培训日期",
        "主办单位",
        "培训主题",
        "形式",
        "区县代码",
        "区县",
        "参训企业（家）",
        "参训人次",
    ]
    result = write_export(job, "培训台账", headers, rows, total, progress)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        obj=job,
        source="web",
        changes={"what": "training", "filters": params, "rows": result["rows"]},
    )
    return result
