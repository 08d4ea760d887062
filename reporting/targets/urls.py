from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.progress_view, name="progress"),
    path("new/", views.target_new, name="target_new"),
    path("<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("<int:pk>/provinces/", views.target_provinces, name="target_provinces"),
    path("chain-problems/", views.chain_list, name="chain_list"),
    path("chain-problems/export.xlsx", views.chain_export, name="chain_export"),
    path("chain-problems/<int:pk>/edit/", views.chain_edit, name="chain_edit"),
    path("chain-problems/<int:pk>/delete/", views.chain_delete, name="chain_delete"),
]
