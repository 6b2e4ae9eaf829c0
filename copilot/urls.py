from django.urls import path

from copilot import replay_views, views

app_name = "copilot"

urlpatterns = [
    path("tickets/<int:ticket_id>/panel/", views.panel, name="panel"),
    path("tickets/<int:ticket_id>/summary/", views.summarise, name="summary"),
    path("tickets/<int:ticket_id>/status-update/", views.draft_status_update, name="status_update"),
    path(
        "tickets/<int:ticket_id>/suggestions/<int:suggestion_id>/<slug:action>/",
        views.act,
        name="act",
    ),
    path("replays/", replay_views.replay_list, name="replays"),
    path("replays/new/", replay_views.replay_new, name="replay_new"),
    path("replays/<int:run_id>/", replay_views.replay_detail, name="replay"),
    path("replays/<int:run_id>/progress/", replay_views.replay_progress, name="replay_progress"),
    path("replays/<int:run_id>/cancel/", replay_views.replay_cancel, name="replay_cancel"),
    path(
        "replays/<int:run_id>/apply-threshold/",
        replay_views.replay_apply_threshold,
        name="replay_apply_threshold",
    ),
    path(
        "replays/<int:run_id>/report.json",
        replay_views.replay_report_download,
        name="replay_report",
    ),
    path(
        "replays/<int:run_id>/results.jsonl",
        replay_views.replay_results_download,
        name="replay_results",
    ),
]
