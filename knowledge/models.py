from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from tickets.models import Macro, Message, Team, Ticket

EMBEDDING_DIMENSIONS = 384


class KnowledgeEntry(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"

    class Source(models.TextChoices):
        MANUAL = "manual", "Written by hand"
        IMPORTED = "imported", "Imported"
        LEARNED = "learned", "Learned from tickets"
        MACRO = "macro", "A team's macro"

    class Relation(models.TextChoices):
        NONE = "", "—"
        DUPLICATE = "duplicate", "May duplicate"
        CONFLICT = "conflict", "May contradict"
        MERGED = "merged", "Merged into"
        REPLACED = "replaced", "Replaced by"

    # The id an imported knowledge base gave the entry; imports are idempotent on it.
    external_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # The team macro this entry is kept from (knowledge.macro_knowledge): changed with it,
    # removed with it.
    macro = models.OneToOneField(
        Macro,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="knowledge_entry",
    )
    question = models.TextField()
    answer = models.TextField()
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # No team: the entry serves every team.
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="knowledge"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    evidence_count = models.PositiveIntegerField(default=1)
    related_entry = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="related_to"
    )
    relation = models.CharField(
        max_length=16, choices=Relation.choices, default=Relation.NONE, blank=True
    )
    times_suggested = models.PositiveIntegerField(default=0)
    times_accepted = models.PositiveIntegerField(default=0)
    times_edited = models.PositiveIntegerField(default=0)
    times_dismissed = models.PositiveIntegerField(default=0)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    reject_reason = models.CharField(max_length=300, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=120, blank=True)
    # The answer alone, embedded: what the copilot compares a new question with (an answer
    # that fits the question). Filled when the copilot first meets the entry.
    answer_embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    answer_embedding_model = models.CharField(max_length=120, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("question", weight="A", config="english")
        + SearchVector("answer", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "knowledge entries"
        ordering = ["-updated_at"]
        indexes = [
            HnswIndex(
                name="knowledge_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="knowledge_search_gin"),
            models.Index(fields=["status", "team"], name="knowledge_status_team"),
            models.Index(fields=["status", "created_at"], name="knowledge_status_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.question[:60]}"

    @property
    def scope_label(self) -> str:
        return self.team.name if self.team is not None else "All teams"


class KnowledgeSource(models.Model):
    """A message an entry was learned from: the evidence a curator can open."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="sources")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticket_id", "message_id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "message"], name="knowledge_source_once")
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} <- message {self.message_id}"


class KnowledgeExample(models.Model):
    """A question an entry answered: the question of a ticket it was learned from (one per
    supporting ticket) or, for an entry written or imported, its own question.

    Retrieval matches a new question against every example as well as against the entry, so
    several tickets that ended with the same answer all count, and their agreement is evidence.
    """

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="examples")
    text = models.TextField()
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    embedding_model = models.CharField(max_length=120, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "id"]
        indexes = [
            HnswIndex(
                name="knowledge_example_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"example of entry {self.entry_id}: {self.text[:60]}"


class KnowledgeRevision(models.Model):
    """The history of an entry, and proposed changes to it waiting for a curator."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored"
        MERGED = "merged", "Merged"
        REPLACED = "replaced", "Replaced"
        EVIDENCE = "evidence", "More evidence"
        FLAGGED = "flagged", "Flagged"
        PROPOSAL = "proposal", "Proposed revision"

    class State(models.TextChoices):
        NONE = "", "—"
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Applied"
        DECLINED = "declined", "Declined"

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NONE, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField(max_length=120)
    # The text after this change (or, for a proposal, the text proposed).
    question = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="knowledge_rev_state"),
            # The curation audit lists every decision by date, newest first.
            models.Index(fields=["created_at"], name="knowledge_rev_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of entry {self.entry_id}"


class TeamKnowledgePolicy(models.Model):
    """Per-team learning policy. Off by default: curators approve what was learned."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="knowledge_policy")
    auto_approve = models.BooleanField(
        default=False,
        help_text="Approve learned entries without a curator once enough tickets support them.",
    )
    auto_approve_min_evidence = models.PositiveIntegerField(default=3)

    class Meta:
        verbose_name_plural = "team knowledge policies"

    def __str__(self) -> str:
        return f"Knowledge policy of {self.team}"
