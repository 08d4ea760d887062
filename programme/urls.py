from django.urls import path

from . import pilot_views, views

app_name = "programme"

urlpatterns = [
    path("units/", views.unit_list_view, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("cbs/", views.cb_list_view, name="cb_list"),
    path("cbs/<int:pk>/", views.cb_detail, name="cb_detail"),
    path("pilots/", pilot_views.pilot_list_view, name="pilot_list"),
    path("pilots/export/", pilot_views.pilot_export, name="pilot_export"),
    path("pilots/compare/", pilot_views.pilot_comparison_view, name="pilot_comparison"),
    path("pilots/<int:pk>/<int:year>/", pilot_views.pilot_filing_view, name="pilot_filing"),
    path("pilots/<int:pk>/<int:year>/review/", pilot_views.pilot_review_view, name="pilot_review"),
    path("pilots/<int:pk>/<int:year>/attachments/", pilot_views.pilot_attachment_upload,
         name="pilot_attachment_upload"),
    path("pilots/attachments/<int:pk>/", pilot_views.pilot_attachment_download, name="pilot_attachment"),
    path("pilots/attachments/<int:pk>/delete/", pilot_views.pilot_attachment_remove,
         name="pilot_attachment_delete"),
]
