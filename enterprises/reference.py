"""Reference data of the enterprises app: the NBS 2017 size table (``fixtures/size_thresholds.json``), which
enterprises are classified by. Idempotent; ``manage.py load_reference_data`` runs it
(``portal.seeding.reference_loader``) after the division hierarchy."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from portal.seeding import reference_loader

from .models import SizeThreshold

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@transaction.atomic
def load_size_thresholds() -> int:
    spec = json.loads((FIXTURES / "size_thresholds.json").read_text(encoding="utf-8"))
    count = 0
    for row in spec["rows"]:
        for size in ("large", "medium", "small"):
            bounds = row[size]
            SizeThreshold.objects.update_or_create(
                industry=row["industry"],
                size_class=size,
                defaults={
                    "min_employees": bounds.get("employees"),
                    "min_revenue": Decimal(bounds["revenue"]) if "revenue" in bounds else None,
                    "min_assets": Decimal(bounds["assets"]) if "assets" in bounds else None,
                },
            )
            count += 1
    return count


@reference_loader(order=20)
def size_thresholds_loader() -> str:
    return f"size thresholds: {load_size_thresholds()} rows"
