"""What the copilot app announces, sent after the transaction that made the change commits."""

from django.dispatch import Signal

# An analyst sent a suggestion to the customer, as is or edited.
# sender=Suggestion, suggestion=<Suggestion>, message=<Message>, edited=bool
suggestion_accepted = Signal()
