"""Registers the annual report room's navigation entry, its model and its job (imported by
`ReportingConfig.ready`)."""

from django.utils.translation import gettext_lazy as _

from portal.context_processors import NAV_ITEMS
from portal.roles import Role

from . import handlers, models  # noqa: F401 - registers the job handler and the model

ENTRIES = [
    (_("年度工作总结"), "annual:index", frozenset({Role.HQ, Role.PROVINCE})),
]
_known = {url for _label, url, _roles in NAV_ITEMS}
NAV_ITEMS.extend(entry for entry in ENTRIES if entry[1] not in _known)
