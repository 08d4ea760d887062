"""The API's URLs. Each app keeps its own router in ``<app>/api_urls.py``; they are all mounted here."""

from django.urls import include, path

from .auth_api import ObtainTokenView

urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("programme.api_urls")),
    path("", include("enterprises.api_urls")),
    path("", include("enterprises.questionnaire.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("reporting.analytics.api_urls")),
]
