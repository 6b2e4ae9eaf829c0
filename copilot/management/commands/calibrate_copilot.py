from typing import Any

from django.core.management.base import BaseCommand, CommandError

from copilot import calibration
from tickets.models import Team


class Command(BaseCommand):
    help = (
        "Choose each team's copilot threshold from its accept/dismiss history so that the "
        "suggestions shown meet the team's target precision."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--team", help="slug of one team (default: every team)")
        parser.add_argument("--dry-run", action="store_true", help="print, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        teams = Team.objects.order_by("name")
        if options["team"]:
            teams = teams.filter(slug=options["team"])
            if not teams:
                raise CommandError(f"No team {options['team']!r}.")
        for team in teams:
            result = calibration.calibrate(team, apply=not options["dry_run"])
            self.stdout.write(f"{team.name}: {result.note}")
