from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("企业与台账")

    def ready(self) -> None:
        from portal.context_processors import NAV_ITEMS
        from portal.roles import Role

        from . import dashboard, indicators, tasks  # noqa: F401 - they register what they define

        entries = [
            (_("帮扶台账"), "enterprises:ledger_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB})),
            (_("台账上传"), "enterprises:upload_list", frozenset({Role.CB})),
            (_("培训台账"), "enterprises:training_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB})),
            (_("企业信息差异"), "enterprises:discrepancy_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})),
        ]
        known = {url for _label, url, _roles in NAV_ITEMS}
        NAV_ITEMS.extend(entry for entry in entries if entry[1] not in known)
