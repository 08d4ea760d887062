from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnaireConfig(AppConfig):
    """The enterprises' year-end questionnaire: part of the enterprises room, with its own migrations."""

    name = "enterprises.questionnaire"
    label = "questionnaire"
    verbose_name = _("企业调查问卷")

    def ready(self) -> None:
        from portal.context_processors import NAV_ITEMS
        from portal.roles import Role

        # Registers the panel and the export job; views connects the login receiver that drops answers kept
        # across an expired login when someone else logs in on that browser.
        from . import dashboard, exports, indicators, views  # noqa: F401

        entry = (_("调查问卷"), "questionnaire:home",
                 frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB, Role.ENTERPRISE}))
        if entry[1] not in {url for _label, url, _roles in NAV_ITEMS}:
            NAV_ITEMS.append(entry)
