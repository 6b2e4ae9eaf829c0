from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("audit/runs/", views.audit_runs, name="audit_runs"),
    path("audit/curation/", views.audit_curation, name="audit_curation"),
    path("<slug:page>/", views.dashboard, name="page"),
    path("<slug:page>/panels/<slug:name>/", views.panel, name="panel"),
    path("<slug:page>/tables/<slug:table>.csv", views.table_csv, name="table"),
]
