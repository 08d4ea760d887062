"""Questionnaire test data: the default version, ledger records ("assisted") and responses."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from enterprises.models import Enterprise, LedgerRecord
from enterprises.questionnaire.models import QuestionnaireVersion, Response, ResponseStatus
from enterprises.questionnaire.seed import minimal_ledger_record
from enterprises.questionnaire.services import questionnaire_defaults_load
from tests.factories import CertificationBodyFactory

YEAR = 2024


def version(year: int = YEAR) -> QuestionnaireVersion:
    questionnaire_defaults_load()
    return QuestionnaireVersion.objects.get(programme_year_id=year)


def assist(enterprise: Enterprise, year: int = YEAR, cb: Any = None) -> LedgerRecord:
    record = minimal_ledger_record(enterprise=enterprise, year=year,
                                   certification_body_id=(cb or CertificationBodyFactory()).pk)
    record.save()
    return record


def response(enterprise: Enterprise, year: int = YEAR, *, submitted: bool = True, **columns: Any) -> Response:
    return Response.objects.create(
        version=version(year), programme_year_id=year, enterprise=enterprise,
        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
        submitted_at=timezone.now() if submitted else None, **columns,
    )


def full_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, plausible set of answers to the default questionnaire."""
    answers: dict[str, Any] = {
        "revenue": {"before": "1000", "after": "1100"},
        "sales": {"before": "800", "after": "880"},
        "profit_margin": {"before": "10", "after": "11"},
        "quality_cost": {"before": "5", "after": "4.5"},
        "first_pass_yield": {"before": "90", "after": "94.5"},
        "conversion": {"before": "50", "after": "55"},
        "defect_rate": {"before": "3", "after": "2"},
        "customer_satisfaction": {"before": "80", "after": "88"},
        "complaint_rate": {"before": "2", "after": "1.5"},
        "maturity": {"before": "1", "after": "2"},
        "operating_effect": "some", "quality_effect": "much", "qm_effect": "much",
        "credit_brand": "yes", "digital": "no", "lasting": "keep_improve",
        "sat_training": "5", "sat_cb_ability": "4", "sat_cb_attitude": "5", "sat_policy": "3", "sat_follow_up": "4",
        "effect": "4", "burden": "yes", "suggestions": "希望继续帮扶",
    }
    answers.update(overrides)
    return answers
