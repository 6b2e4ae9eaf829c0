"""What the knowledge app announces, sent after the transaction that made the change commits."""

from django.dispatch import Signal

# An entry became approved: retrievable by the copilot from now on.
# sender=KnowledgeEntry, entry=<KnowledgeEntry>
knowledge_approved = Signal()
