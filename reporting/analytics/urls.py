from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("map/", views.map_view, name="map"),
    path("trends/", views.trends, name="trends"),
    path("trends/units/", views.trends_units, name="trends_units"),
    path("catalogue/", views.catalogue_view, name="catalogue"),
]
