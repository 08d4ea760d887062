"""Registers the questionnaire's job handlers with the worker."""

from . import exports  # noqa: F401
