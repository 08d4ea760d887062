from django.urls import path

from .ledger import views as ledger
from .registry import views as registry
from .training import views as training

app_name = "enterprises"

urlpatterns = [
    path("", registry.enterprise_list_view, name="enterprise_list"),
    path("<int:pk>/", registry.enterprise_detail, name="enterprise_detail"),
    path("ledger/", ledger.ledger_list_view, name="ledger_list"),
    path("ledger/<int:pk>/", ledger.ledger_detail, name="ledger_detail"),
    path("ledger/<int:pk>/delete/", ledger.ledger_delete, name="ledger_delete"),
    path("ledger/template/<int:year>.<str:fmt>", ledger.template_download, name="template_download"),
    path("ledger/uploads/", ledger.upload_list_view, name="upload_list"),
    path("ledger/uploads/<int:pk>/", ledger.upload_detail, name="upload_detail"),
    path("ledger/uploads/<int:pk>/status/", ledger.upload_status, name="upload_status"),
    path("ledger/uploads/<int:pk>/commit/", ledger.upload_commit, name="upload_commit"),
    path("ledger/uploads/<int:pk>/discard/", ledger.upload_discard, name="upload_discard"),
    path("ledger/uploads/<int:pk>/failed-rows.xlsx", ledger.upload_failed_rows, name="upload_failed_rows"),
    path("discrepancies/", registry.discrepancy_list_view, name="discrepancy_list"),
    path("discrepancies/<int:pk>/settle/", registry.discrepancy_settle_view, name="discrepancy_settle"),
    path("training/", training.training_list_view, name="training_list"),
    path("training/new/", training.training_create, name="training_create"),
    path("training/upload/", training.training_upload_view, name="training_upload"),
    path("training/template/<int:year>.<str:fmt>", training.training_template_download, name="training_template"),
]
