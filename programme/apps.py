from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = _("行动组织")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from portal.context_processors import NAV_ITEMS
        from portal.roles import Role

        from . import dashboard, indicators, tasks  # noqa: F401 - they register what they define

        # The pilot comparison's figures come from whichever app provides them (the questionnaire's
        # enterprises.questionnaire.pilot_comparison registers itself with programme.pilot_comparison).
        autodiscover_modules("pilot_comparison")

        entry = (_("区域试点"), "programme:pilot_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT}))
        if entry[1] not in {url for _label, url, _roles in NAV_ITEMS}:
            NAV_ITEMS.append(entry)
