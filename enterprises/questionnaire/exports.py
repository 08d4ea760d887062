"""The XLSX export of the questionnaires in a user's scope, run as a job."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from openpyxl import Workbook

from reporting.jobs import Progress, job_handler
from reporting.models import Job
from reporting.xlsx import workbook_bytes, write_table

from .models import Question, QuestionnaireVersion
from .selectors import responses_in_scope

STATUS_LABELS = {"draft": "草稿", "submitted": "已提交"}


def _columns(questions: list[Question]) -> list[tuple[str, str, str | None]]:
    columns: list[tuple[str, str, str | None]] = []
    for q in questions:
        unit = f"（{q.unit}）" if q.unit else ""
        if q.is_pair:
            columns.append((f"{q.label}·提升前{unit}", q.key, "before"))
            columns.append((f"{q.label}·提升后{unit}", q.key, "after"))
        else:
            columns.append((q.label, q.key, None))
    return columns


def _display(q: Question, value: Any) -> Any:
    if value in (None, ""):
        return None
    labels = dict(q.choice_list())
    if str(value) in labels and q.kind != "pair":
        return labels[str(value)]
    try:
        return float(value) if q.kind in {"pair", "number"} else value
    except (TypeError, ValueError):
        return value


@job_handler("questionnaire_export")
def export_responses(job: Job, progress: Progress) -> dict[str, Any]:
    year = int(job.params["year"])
    version = QuestionnaireVersion.objects.get(programme_year_id=year)
    questions = list(version.questions.all())
    by_key = {q.key: q for q in questions}
    columns = _columns(questions)
    qs = responses_in_scope(user=job.created_by, year=year)
    total = qs.count()
    headers = ["统一社会信用代码", "企业名称", "所在区县", "状态", "提交时间", "逾期", *[c[0] for c in columns]]

    def rows() -> Any:
        for done, r in enumerate(qs.iterator(chunk_size=2000), start=1):
            values: list[Any] = [
                r.enterprise.uscc, r.enterprise.name, r.enterprise.district.full_name,
                STATUS_LABELS.get(r.status, r.status),
                timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
                "是" if r.is_late else "",
            ]
            for _label, key, side in columns:
                raw = r.answers.get(key)
                if side is not None:
                    raw = raw.get(side) if isinstance(raw, dict) else None
                    q = by_key[key]
                    if q.kind == "maturity_pair" and raw:
                        values.append(dict(q.choice_list()).get(str(raw), raw))
                        continue
                values.append(_display(by_key[key], raw))
            if done % 500 == 0:
                progress(done, total)
            yield values

    wb = Workbook(write_only=False)
    ws: Any = wb.active
    ws.title = f"{year}年度问卷"
    count = write_table(ws, headers, rows())
    job.output.save(f"questionnaire-{year}-{timezone.localdate():%Y%m%d}.xlsx",
                    ContentFile(workbook_bytes(wb)), save=False)
    job.save(update_fields=["output"])
    progress(total, total)
    return {"rows": count}
