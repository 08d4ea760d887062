from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("scheme/<int:year>/", views.scheme_detail, name="scheme"),
    path("self/<int:year>/", views.self_assessment_mine, name="self_mine"),
    path("self/<int:year>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("self-assessments/<int:pk>/", views.self_assessment_detail, name="self_detail"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("cases/<int:year>/", views.cases, name="cases"),
    path("cases/item/<int:pk>/recommend/", views.case_recommend, name="case_recommend"),
    path("courses/<int:year>/", views.courses, name="courses"),
    path("evaluations/start/", views.evaluation_start, name="evaluation_start"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/run/", views.evaluation_run, name="evaluation_run"),
    path("evaluations/<int:pk>/publish/", views.evaluation_publish, name="evaluation_publish"),
    path("evaluations/<int:pk>/assign/", views.expert_assign, name="expert_assign"),
    path("runs/<int:job_id>/", views.run_status, name="run_status"),
    path("summary/", views.summary_start, name="summary_start"),
    path("national-pack/", views.national_pack_start, name="national_pack_start"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("expert/", views.expert_home, name="expert_home"),
    path("expert/<int:pk>/", views.expert_score, name="expert_score"),
]
