from django.urls import path

from replay import import_views, views

app_name = "replay"

urlpatterns = [
    path("replays/", views.replay_list, name="replays"),
    path("replays/new/", views.replay_new, name="replay_new"),
    path("replays/<int:run_id>/", views.replay_detail, name="replay"),
    path("replays/<int:run_id>/progress/", views.replay_progress, name="replay_progress"),
    path("replays/<int:run_id>/cancel/", views.replay_cancel, name="replay_cancel"),
    path(
        "replays/<int:run_id>/apply-threshold/",
        views.replay_apply_threshold,
        name="replay_apply_threshold",
    ),
    path(
        "replays/<int:run_id>/report.json",
        views.replay_report_download,
        name="replay_report",
    ),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:run_id>/", import_views.import_detail, name="import"),
    path("imports/<int:run_id>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:run_id>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("imports/<int:run_id>/again/", import_views.import_again, name="import_again"),
    path(
        "replays/<int:run_id>/results.jsonl",
        views.replay_results_download,
        name="replay_results",
    ),
]
