from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from programme.models import Deadline, DeadlineKind

YEAR = 2024


@pytest.fixture
def open_year(db):
    """Keep the 2024 ledger and training submissions open (their real deadline, 2024-10-31, has passed)."""
    Deadline.objects.filter(programme_year_id=YEAR, kind__in=[DeadlineKind.LEDGER, DeadlineKind.TRAINING]).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )
    return YEAR
