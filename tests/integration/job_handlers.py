"""Job handlers used only by the integration tests; the test worker imports this module with ``-I``."""

from __future__ import annotations

import os
from typing import Any

from reporting.jobs import Progress, job_handler
from reporting.models import Job


@job_handler("integration.count")
def count(job: Job, progress: Progress) -> dict[str, Any]:
    total = int(job.params.get("total", 5))
    acc = 0
    for i in range(1, total + 1):
        acc += i
        progress(i, total)
    return {"sum": acc, "worker_pid": os.getpid()}


@job_handler("integration.fail")
def fail(job: Job, progress: Progress) -> dict[str, Any]:
    progress(1, 4)
    raise ValueError(f"第 {job.params.get('row', 0)} 行：数据无法处理")
