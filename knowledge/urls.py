from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_new, name="new"),
    path("<int:entry_id>/", views.entry_detail, name="detail"),
    path("<int:entry_id>/edit/", views.entry_edit, name="edit"),
    path("<int:entry_id>/archive/", views.entry_archive, name="archive"),
    path("curation/", views.curation, name="curation"),
    path("curation/<int:entry_id>/<slug:action>/", views.curation_action, name="act"),
    path("curation/groups/", views.curation_groups, name="groups"),
    path("curation/bulk/", views.curation_bulk, name="bulk"),
    path(
        "curation/groups/<int:entry_id>/<slug:action>/",
        views.curation_group_action,
        name="group_act",
    ),
    path(
        "revisions/<int:revision_id>/<slug:action>/",
        views.revision_action,
        name="revision",
    ),
]
