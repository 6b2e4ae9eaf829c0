from django.contrib import admin

from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings


@admin.register(TeamCopilotSettings)
class TeamCopilotSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "team",
        "mode",
        "threshold",
        "target_precision",
        "exploration_share",
        "calibration_note",
    ]
    # The numbers the last tuning used, for admins to check (`manage.py calibrate_copilot`).
    readonly_fields = ["calibrated_at", "calibration_note"]


@admin.register(CopilotRun)
class CopilotRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "decision", "reason", "score", "latency_ms"]
    list_filter = ["decision", "kind", "engine", "explored"]
    search_fields = ["reason", "query"]
    raw_id_fields = ["ticket", "message"]
    filter_horizontal = ["considered"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "state", "dismiss_reason", "score"]
    list_filter = ["state", "kind", "dismiss_reason"]
    raw_id_fields = ["run", "ticket", "sent_message", "acted_by"]
