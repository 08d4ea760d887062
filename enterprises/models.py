"""The app's models, defined in their rooms (registry, ledger, training) and importable from here, where
Django and the migrations look for them."""

from .intake.models import HeaderMapping, IdempotentRequest
from .ledger.models import (
    AssistanceDimension,
    AssistanceMode,
    CertificationScheme,
    LedgerRecord,
    LedgerRecordQuerySet,
    LedgerStagingRow,
    LedgerUpload,
    LedgerUploadQuerySet,
    MaturityLevel,
    StagedAction,
    UploadStatus,
)
from .registry.models import (
    DiscrepancyField,
    DiscrepancyStatus,
    Enterprise,
    EnterpriseDiscrepancy,
    EnterpriseDiscrepancyQuerySet,
    EnterpriseQuerySet,
    Industry,
    SizeClass,
    SizeThreshold,
)
from .training.models import TrainingDelivery, TrainingRecord, TrainingRecordQuerySet

__all__ = [
    "AssistanceDimension",
    "AssistanceMode",
    "CertificationScheme",
    "DiscrepancyField",
    "DiscrepancyStatus",
    "Enterprise",
    "EnterpriseDiscrepancy",
    "EnterpriseDiscrepancyQuerySet",
    "EnterpriseQuerySet",
    "HeaderMapping",
    "IdempotentRequest",
    "Industry",
    "LedgerRecord",
    "LedgerRecordQuerySet",
    "LedgerStagingRow",
    "LedgerUpload",
    "LedgerUploadQuerySet",
    "MaturityLevel",
    "SizeClass",
    "SizeThreshold",
    "StagedAction",
    "TrainingDelivery",
    "TrainingRecord",
    "TrainingRecordQuerySet",
    "UploadStatus",
]
