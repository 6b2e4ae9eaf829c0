"""What the tickets app announces. Other apps listen; tickets imports none of them.

All three are sent after the transaction that made the change has committed.
"""

from django.dispatch import Signal

# sender=Ticket, ticket=<Ticket> (opened with its first message)
ticket_created = Signal()
# sender=Message, message=<Message>
message_created = Signal()
# sender=Ticket, ticket=<Ticket>, old_status=str, new_status=str
ticket_status_changed = Signal()
