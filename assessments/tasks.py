"""Celery registration: importing the handlers registers them with the generic ``reporting.tasks.run_job``."""

from . import (
    fanout,  # noqa: F401
    handlers,  # noqa: F401
)
