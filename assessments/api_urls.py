from rest_framework.routers import SimpleRouter

from .api import AssignmentViewSet, UnitResultViewSet

router = SimpleRouter()
router.register("evaluation-results", UnitResultViewSet, basename="api-evaluation-result")
router.register("expert-assignments", AssignmentViewSet, basename="api-expert-assignment")

urlpatterns = router.urls
