"""Background jobs run by django-q2. Thin: they take ids and call services."""

from integrations import services


def deliver_webhook(delivery_id: int) -> str:
    """Send one delivery if it is due; returns what happened."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "not due"
    return f"{delivery.status} after {delivery.attempts} attempt(s)"


def send_due_webhooks() -> int:
    """Periodic: queue every delivery whose next attempt is due. Returns how many."""
    return services.deliveries_send_due()
