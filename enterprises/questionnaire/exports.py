"""The XLSX export of the questionnaires in a user's scope, run as a job.

A national export has 60,000 responses: they are read in chunks (``values_list(...).iterator``), turned into
rows one at a time and streamed into a write-only workbook on disk, so memory does not grow with the count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from reporting.jobs import Progress, job_handler, job_output_table
from reporting.models import Job

from .models import Question, QuestionnaireVersion
from .selectors import responses_in_scope

if TYPE_CHECKING:
    from portal.models import User

STATUS_LABELS = {"draft": "草稿", "submitted": "已提交"}
CHUNK = 2000
FIELDS = ("enterprise__uscc", "enterprise__name", "enterprise__district__full_name", "status", "submitted_at",
          "is_late", "answers")


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


def _display(q: Question, value: Any, labels: dict[str, str]) -> Any:
    if value in (None, ""):
        return None
    if str(value) in labels and q.kind != "pair":
        return labels[str(value)]
    try:
        return float(value) if q.kind in {"pair", "number"} else value
    except (TypeError, ValueError):
        return value


def _cell_reader(q: Question, side: str | None) -> Callable[[dict[str, Any]], Any]:
    """How one column's value is read from a response's answers (the question's labels looked up once)."""
    labels = dict(q.choice_list())
    key = q.key

    def read(answers: dict[str, Any]) -> Any:
        raw = answers.get(key)
        if side is not None:
            raw = raw.get(side) if isinstance(raw, dict) else None
            if q.kind == "maturity_pair" and raw:
                return labels.get(str(raw), raw)
        return _display(q, raw, labels)

    return read


def response_table(*, user: User, year: int) -> tuple[list[str], Iterator[list[Any]], int]:
    """The export's headers, its rows (a generator reading the responses in chunks) and their number."""
    version = QuestionnaireVersion.objects.get(programme_year_id=year)
    questions = list(version.questions.all())
    by_key = {q.key: q for q in questions}
    columns = _columns(questions)
    readers = [_cell_reader(by_key[key], side) for _label, key, side in columns]
    qs = responses_in_scope(user=user, year=year)
    total = qs.count()
    headers = ["统一社会信用代码", "企业名称", "所在区县", "状态", "提交时间", "逾期", *[c[0] for c in columns]]

    def rows() -> Iterator[list[Any]]:
        for uscc, name, district, status, submitted_at, is_late, answers in qs.values_list(*FIELDS).iterator(
            chunk_size=CHUNK
        ):
            answers = answers or {}
            yield [
                uscc, name, district, STATUS_LABELS.get(status, status),
                timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M") if submitted_at else "",
                "是" if is_late else "",
                *[read(answers) for read in readers],
            ]

    return headers, rows(), total


@job_handler("questionnaire_export")
def export_responses(job: Job, progress: Progress) -> dict[str, Any]:
    year = int(job.params["year"])
    headers, rows, total = response_table(user=job.created_by, year=year)
    count = job_output_table(job, progress, filename=f"questionnaire-{year}-{timezone.localdate():%Y%m%d}.xlsx",
                             sheet=f"{year}年度问卷", headers=headers, rows=rows, total=total, every=500)
    return {"rows": count}
