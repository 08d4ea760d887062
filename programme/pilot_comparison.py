"""Pilot enterprises against all enterprises (the pilot comparison page): a hook the questionnaire fills.

The figures are the year-end questionnaire's (``enterprises.questionnaire.pilot_comparison``, which registers its
``pilot_comparison(*, user, year)`` with :func:`pilot_comparison_source`); programme imports no enterprises
module. ``ProgrammeConfig.ready`` imports every installed app's ``pilot_comparison`` module, so the source is
registered once the apps are loaded. Without one (the questionnaire app not installed)
:func:`pilot_comparison` raises ``QuestionnaireUnavailable`` and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from portal.models import User

Source = Callable[..., Any]  # (*, user, year) -> a comparison (enterprises.questionnaire.pilot_comparison)
_SOURCE: list[Source] = []


class QuestionnaireUnavailable(Exception):
    pass


def pilot_comparison_source(func: Source) -> Source:
    """Register the function that compares the user's pilots with all enterprises for a year (the last wins)."""
    _SOURCE[:] = [func]
    return func


def pilot_comparison(*, user: User, year: int) -> Any:
    """The registered source's comparison for the user's visible pilots, or ``QuestionnaireUnavailable``."""
    if not _SOURCE:
        raise QuestionnaireUnavailable(_("企业调查问卷模块尚未启用，暂无法对比。"))
    return _SOURCE[0](user=user, year=year)
