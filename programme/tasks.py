"""Registers the programme app's job handlers with the worker (see reporting.jobs)."""

from . import pilot_reports  # noqa: F401
