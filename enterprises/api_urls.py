from rest_framework.routers import SimpleRouter

from .api import EnterpriseViewSet, LedgerRecordViewSet

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="api-enterprise")
router.register("ledger-records", LedgerRecordViewSet, basename="api-ledger-record")

urlpatterns = router.urls
