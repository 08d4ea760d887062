from rest_framework.routers import SimpleRouter

from .api import CertificationBodyViewSet, OrgUnitViewSet, PilotFilingViewSet, PilotRegionViewSet

router = SimpleRouter()
router.register("units", OrgUnitViewSet, basename="api-unit")
router.register("cbs", CertificationBodyViewSet, basename="api-cb")
router.register("pilots", PilotRegionViewSet, basename="api-pilot")
router.register("pilot-filings", PilotFilingViewSet, basename="api-pilot-filing")

urlpatterns = router.urls
