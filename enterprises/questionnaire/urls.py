from django.urls import path

from . import views

app_name = "questionnaire"

urlpatterns = [
    path("", views.home, name="home"),
    path("activate/", views.activate, name="activate"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("codes/", views.codes, name="codes"),
    path("<int:year>/", views.fill, name="fill"),
    path("<int:year>/draft/<int:enterprise_id>/", views.autosave, name="autosave"),
    path("<int:year>/progress/", views.progress, name="progress"),
    path("<int:year>/progress/remind/", views.remind, name="remind"),
    path("<int:year>/aggregates/", views.aggregates, name="aggregates"),
    path("<int:year>/export/", views.export, name="export"),
    path("responses/<int:pk>/", views.response_detail, name="response_detail"),
]
