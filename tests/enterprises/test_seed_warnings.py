"""Seeded ledger records carry no warnings: an empty list, on the COPY path (PostgreSQL), the executemany path
(SQLite, the demo) and the ORM path (any other database)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from enterprises.ledger.models import content_hash
from enterprises.models import LedgerRecord
from enterprises.seed import _ledger_values, _store_ledger
from tests.factories import CertificationBodyFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite", "other"])
def test_seeded_records_have_an_empty_list_of_warnings(vendor, monkeypatch):
    import random

    if vendor == "sqlite" and connection.vendor != "sqlite":
        pytest.skip("the SQLite statement needs SQLite (tests/test_embedded_smoke.py seeds the demo on it)")

    enterprise = EnterpriseFactory()
    row = (enterprise.pk, enterprise.name, enterprise.district_id, enterprise.industry, 10, 100, "micro")
    values = _ledger_values(random.Random(1), row, 2024, 1)
    now = timezone.now()
    cb = CertificationBodyFactory()
    if vendor != connection.vendor:
        monkeypatch.setattr(connection, "vendor", vendor)
    _store_ledger([(2024, cb.pk, enterprise.pk, *values, [], content_hash(values), "seed", now, now)])
    record = LedgerRecord.objects.get()
    assert record.warnings == [] and record.start_date.year == 2024
    assert dt.date(2024, 1, 1) <= record.start_date
