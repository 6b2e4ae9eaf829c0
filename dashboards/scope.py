"""What a dashboard shows: which teams and which days, checked against the user's teams.

A ``Scope`` is only made from a valid filter form whose team choices come from
``tickets.selectors.teams_for_user``: every selector in ``dashboards.selectors`` trusts the
team ids it carries.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from core import roles
from tickets.models import Team
from tickets.selectors import AnyUser, teams_for_user

DEFAULT_DAYS = 30
MAX_DAYS = 731
# Nothing is recorded outside these days, and a range's arithmetic (the day after its end, the
# default start 30 days before it) must stay inside the calendar Python and PostgreSQL share.
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


@dataclass(frozen=True)
class Scope:
    user: AnyUser = field(repr=False, compare=False)
    # None: every team, for managers and admins who chose none.
    team_ids: tuple[int, ...] | None
    start: dt.date
    end: dt.date
    team: str = ""

    @property
    def since(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after the range (midnight after ``end``)."""
        return _midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> list[dt.date]:
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=n) for n in range(count)]

    @property
    def query(self) -> str:
        """The filters as a query string, for panel, CSV and pagination links."""
        params = {"team": self.team, "start": self.start.isoformat(), "end": self.end.isoformat()}
        return urlencode({k: v for k, v in params.items() if v})


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _day_field(which: str) -> forms.DateField:
    bounds = f"The {which} date must be between {FIRST_DAY} and {LAST_DAY}."
    return forms.DateField(
        required=False,
        validators=[
            MinValueValidator(FIRST_DAY, message=bounds),
            MaxValueValidator(LAST_DAY, message=bounds),
        ],
        error_messages={"invalid": f"The {which} date must look like 2026-11-30."},
    )


class FilterForm(forms.Form):
    team = forms.CharField(required=False)
    start = _day_field("start")
    end = _day_field("end")

    def __init__(self, data: object, *, user: AnyUser) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.user = user
        self.teams: list[Team] = list(teams_for_user(user).order_by("name"))
        self.all_label = "All teams" if roles.sees_all_teams(user) else "All my teams"

    def clean_team(self) -> str:
        slug = self.cleaned_data.get("team", "").strip()
        if slug and slug not in {team.slug for team in self.teams}:
            raise forms.ValidationError(f"There is no team “{slug}” among yours.")
        return slug

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if "start" in self.errors or "end" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError("The start date is after the end date.")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def scope(self) -> Scope:
        """The scope of a valid form."""
        data = self.cleaned_data
        slug = data["team"]
        if slug:
            ids: tuple[int, ...] | None = tuple(t.pk for t in self.teams if t.slug == slug)
        elif roles.sees_all_teams(self.user):
            ids = None
        else:
            ids = tuple(team.pk for team in self.teams)
        return Scope(user=self.user, team_ids=ids, start=data["start"], end=data["end"], team=slug)

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
