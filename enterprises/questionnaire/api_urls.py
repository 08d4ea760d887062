from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import AggregatesView, ResponseViewSet

router = SimpleRouter()
router.register("questionnaire/responses", ResponseViewSet, basename="api-questionnaire-response")

urlpatterns = [
    path("questionnaire/aggregates/", AggregatesView.as_view(), name="api-questionnaire-aggregates"),
    *router.urls,
]
