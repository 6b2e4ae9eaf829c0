"""Who may open which dashboard: the pages and the REST API ask the same two functions."""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import roles
from dashboards.panels import PAGES, Page


def may_open(user: User | AnonymousUser, page: Page) -> bool:
    """Analysts, managers and admins open every dashboard; curators the Knowledge one."""
    if roles.can_work_tickets(user):
        return True
    return page.curators and roles.can_curate(user)


def page_for_user(user: User | AnonymousUser, slug: str) -> Page:
    page = PAGES.get(slug)
    if page is None:
        raise Http404(f"There is no dashboard “{slug}”.")
    if not may_open(user, page):
        raise PermissionDenied(f"Your role cannot open the {page.title} dashboard.")
    return page
