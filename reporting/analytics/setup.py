"""Registers the analytics room's navigation entries and dashboard panels (imported by `ReportingConfig.ready`)."""

from django.utils.translation import gettext_lazy as _

from portal.context_processors import NAV_ITEMS
from portal.dashboard import dashboard_panel
from portal.roles import Role

from .dashboard import analytics_panel

dashboard_panel(slot="panels", order=5)(analytics_panel)

_ENTRIES = [
    (_("数据分析"), "analytics:index", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})),
]
_known = {url for _label, url, _roles in NAV_ITEMS}
NAV_ITEMS.extend(entry for entry in _ENTRIES if entry[1] not in _known)
