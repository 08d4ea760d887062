from django.urls import path

from .api import CatalogueView, ValuesView

urlpatterns = [
    path("indicators/", CatalogueView.as_view(), name="api-indicators"),
    path("indicators/values/", ValuesView.as_view(), name="api-indicator-values"),
]
