from django.http import HttpRequest

from core import roles as ticket_roles


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "vigil_roles": sorted(ticket_roles.user_roles(user)),
        "can_work_tickets": ticket_roles.can_work_tickets(user),
        "can_curate": ticket_roles.can_curate(user),
        "can_manage": ticket_roles.can_manage(user),
        "can_administer": ticket_roles.can_administer(user),
    }
