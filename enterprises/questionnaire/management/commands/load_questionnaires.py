from django.core.management.base import BaseCommand

from enterprises.questionnaire.services import questionnaire_defaults_load


class Command(BaseCommand):
    help = "Create (idempotently) the default questionnaire for 2024 and a draft copy for each later year."

    def handle(self, *args: object, **options: object) -> None:
        created = questionnaire_defaults_load(source="load")
        self.stdout.write(f"questionnaire versions created: {created}")
