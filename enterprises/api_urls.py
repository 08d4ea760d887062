from rest_framework.routers import SimpleRouter

from .api import EnterpriseViewSet, LedgerRecordViewSet, TrainingRecordViewSet

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="api-enterprise")
router.register("ledger-records", LedgerRecordViewSet, basename="api-ledger-record")
router.register("training-records", TrainingRecordViewSet, basename="api-training-record")

urlpatterns = router.urls
