"""The team a replay or import command was given, by slug or name."""

from django.core.management.base import CommandError
from django.db.models import Q

from tickets.models import Team


def team_given(given: str) -> Team:
    """The team whose slug or name is ``given``; a ``CommandError`` naming the teams there are
    when there is none."""
    team = Team.objects.filter(Q(slug=given) | Q(name__iexact=given)).first()
    if team is None:
        names = ", ".join(Team.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"No team {given!r} (teams: {names}).")
    return team
