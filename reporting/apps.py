from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("任务与报表")

    def ready(self) -> None:
        # The analytics, targets and annual report rooms register their navigation entries, panels, jobs, models.
        from .analytics import setup as analytics_setup  # noqa: F401
        from .annual import setup as annual_setup  # noqa: F401
        from .targets import setup as targets_setup  # noqa: F401
