"""PilotStatistics spells its fields out; programme.annex3 defines the sheet. The two must not drift."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from programme import annex3
from programme.models import PilotStatistics


def _field(name: str) -> models.Field:
    return PilotStatistics._meta.get_field(name)  # type: ignore[return-value]


def test_every_annex3_field_is_a_model_field_of_its_kind_and_nothing_else():
    expected = {*annex3.count_fields(), *annex3.amount_fields(), *annex3.percent_fields()}
    own = {f.name for f in PilotStatistics._meta.concrete_fields} - {"id", "filing"}
    assert own == expected
    for name in annex3.count_fields():
        field = _field(name)
        assert isinstance(field, models.PositiveIntegerField) and field.default == 0
        assert field.verbose_name == annex3.label(name)
    for name in annex3.amount_fields():
        field = _field(name)
        nullable = name.endswith(("_before", "_after"))
        assert isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (14, 2)
        assert field.null is nullable and field.verbose_name == annex3.label(name) + "（万元）"
        assert [v.limit_value for v in field.validators if hasattr(v, "limit_value")][:1] == [0]
    for name in annex3.percent_fields():
        field = _field(name)
        assert isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (5, 2)
        assert field.null and field.verbose_name == annex3.label(name) + "（%）"
        limits = sorted(v.limit_value for v in field.validators if hasattr(v, "limit_value"))
        assert limits[0] == 0 and limits[-1] == 100


def test_the_fields_are_declared_in_the_class_body():
    import inspect

    source = inspect.getsource(PilotStatistics)
    assert "locals()" not in source
    assert f"    {annex3.count_fields()[0]} = models.PositiveIntegerField(" in source
    assert Decimal("0") == _field(annex3.amount_fields()[0]).default or _field(annex3.amount_fields()[0]).null
