"""Registers the targets room's navigation entry, dashboard panel and catalogue figure (imported by
`ReportingConfig.ready`)."""

from django.utils.translation import gettext_lazy as _

from portal.context_processors import NAV_ITEMS
from portal.roles import Role

from . import dashboard, indicators  # noqa: F401 - registers the dashboard panel and chain_problems_solved

ENTRIES = [
    (_("目标进度"), "targets:progress", frozenset({Role.HQ, Role.PROVINCE})),
]
_known = {url for _label, url, _roles in NAV_ITEMS}
NAV_ITEMS.extend(entry for entry in ENTRIES if entry[1] not in _known)
