from django.core.management.base import BaseCommand

from portal.seeding import import_app_modules, registered_reference_loaders


class Command(BaseCommand):
    help = ("Load (idempotently) every app's reference data: the GB/T 2260 hierarchy, the NBS size table and the "
            "programme years.")

    def handle(self, *args: object, **options: object) -> None:
        import_app_modules("reference")  # each app's loaders (portal.seeding.reference_loader)
        for _order, _name, loader in registered_reference_loaders():
            self.stdout.write(loader())
