from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list_view, name="enterprise_list"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("ledger/", views.ledger_list_view, name="ledger_list"),
    path("ledger/<int:pk>/", views.ledger_detail, name="ledger_detail"),
    path("ledger/<int:pk>/delete/", views.ledger_delete, name="ledger_delete"),
    path("ledger/template/<int:year>.<str:fmt>", views.template_download, name="template_download"),
    path("ledger/uploads/", views.upload_list_view, name="upload_list"),
    path("ledger/uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("ledger/uploads/<int:pk>/status/", views.upload_status, name="upload_status"),
    path("ledger/uploads/<int:pk>/commit/", views.upload_commit, name="upload_commit"),
    path("ledger/uploads/<int:pk>/discard/", views.upload_discard, name="upload_discard"),
    path("ledger/uploads/<int:pk>/failed-rows.xlsx", views.upload_failed_rows, name="upload_failed_rows"),
    path("discrepancies/", views.discrepancy_list_view, name="discrepancy_list"),
    path("discrepancies/<int:pk>/settle/", views.discrepancy_settle_view, name="discrepancy_settle"),
    path("training/", views.training_list_view, name="training_list"),
    path("training/new/", views.training_create, name="training_create"),
    path("training/upload/", views.training_upload_view, name="training_upload"),
    path("training/template/<int:year>.<str:fmt>", views.training_template_download, name="training_template"),
]
