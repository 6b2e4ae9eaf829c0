from django.contrib import admin

from knowledge.models import KnowledgeEntry, KnowledgeRevision, TeamKnowledgePolicy


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "question", "team", "status", "source", "evidence_count", "flagged"]
    list_filter = ["status", "source", "team", "flagged"]
    search_fields = ["question", "answer", "external_id"]
    readonly_fields = ["embedding_model", "created_at", "updated_at", "reviewed_at"]
    exclude = ["embedding"]


@admin.register(KnowledgeRevision)
class KnowledgeRevisionAdmin(admin.ModelAdmin):
    list_display = ["entry", "kind", "state", "actor_name", "created_at"]
    list_filter = ["kind", "state"]


@admin.register(TeamKnowledgePolicy)
class TeamKnowledgePolicyAdmin(admin.ModelAdmin):
    list_display = ["team", "auto_approve", "auto_approve_min_evidence"]
