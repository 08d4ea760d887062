from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("工作成效评估")

    def ready(self) -> None:
        from portal.context_processors import NAV_ITEMS
        from portal.roles import Role

        from . import dashboard, handlers, indicators  # noqa: F401 - they register what they define

        entries = [
            (_("工作成效评估"), "assessments:index", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})),
            (_("专家评分"), "assessments:expert_home", frozenset({Role.EXPERT})),
        ]
        known = {url for _label, url, _roles in NAV_ITEMS}
        NAV_ITEMS.extend(entry for entry in entries if entry[1] not in known)
