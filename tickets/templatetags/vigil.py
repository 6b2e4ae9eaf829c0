from django import template

from tickets.services import display_name

register = template.Library()


@register.filter(name="person")
def person(user: object, empty: str = "—") -> str:
    """A user's full name, else username; ``empty`` when there is no user."""
    if user is None or not hasattr(user, "get_username"):
        return empty
    return display_name(user)  # type: ignore[arg-type]
