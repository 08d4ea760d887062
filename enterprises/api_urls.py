from rest_framework.routers import SimpleRouter

from .ledger.api import LedgerRecordViewSet
from .registry.api import EnterpriseViewSet
from .training.api import TrainingRecordViewSet

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="api-enterprise")
router.register("ledger-records", LedgerRecordViewSet, basename="api-ledger-record")
router.register("training-records", TrainingRecordViewSet, basename="api-training-record")

urlpatterns = router.urls
