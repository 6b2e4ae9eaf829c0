import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from replay import import_runs
from replay.models import ImportRun
from tests.factories import UserFactory
from tickets.models import Team, Ticket

Status = ImportRun.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(db):
    return UserFactory(username="ada", roles=["admin"])


def history(n=3, **extra):
    lines = [
        {
            "id": f"h-{i}",
            "messages": [
                {"role": "customer", "author": f"C{i}", "text": f"How do I export report {i}?"},
                {
                    "role": "analyst",
                    "author": "sam",
                    "text": "Open Reports, choose Export at the top right, then pick CSV "
                    "as the format and press Download.",
                },
            ],
            "resolved": True,
            **extra,
        }
        for i in range(n)
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    return SimpleUploadedFile("history.jsonl", text.encode(), "application/x-ndjson")


def start(client, user, upload, team="compute"):
    client.force_login(user)
    return client.post(
        reverse("replay:imports"), {"conversations": upload, "team": team, "learn": "on"}
    )


def test_only_admins_import(client, manager, team):
    client.force_login(manager)
    assert client.get(reverse("replay:imports")).status_code == 403
    response = start(client, manager, history())
    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_an_admin_imports_a_file_and_follows_it(client, admin, team):
    response = start(client, admin, history())
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("replay:import", args=[run.pk])
    assert (run.status, run.conversations_total, run.team) == (Status.QUEUED, 3, team)
    assert import_runs.import_run_execute(run.pk) == f"import #{run.pk}: done"
    run.refresh_from_db()
    assert (run.status, run.imported, run.messages, run.already) == (Status.DONE, 3, 6, 0)
    assert run.learned >= 1
    assert Ticket.objects.filter(team=team, import_id__isnull=False).count() == 3
    page = client.get(reverse("replay:import", args=[run.pk])).content.decode()
    assert "<b>3</b> imported (6 messages)" in page
    assert "Open the curation queue" in page
    # A task delivered twice imports once.
    assert import_runs.import_run_execute(run.pk) == f"import #{run.pk} was not waiting to run"


def test_running_it_again_adds_only_what_is_missing(client, admin, team):
    start(client, admin, history())
    run = ImportRun.objects.get()
    import_runs.import_run_execute(run.pk)
    response = client.post(reverse("replay:import_again", args=[run.pk]))
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("replay:import", args=[again.pk])
    import_runs.import_run_execute(again.pk)
    again.refresh_from_db()
    assert (again.status, again.imported, again.already) == (Status.DONE, 0, 3)
    assert Ticket.objects.count() == 3


def test_a_wrong_file_is_refused_with_the_reason(client, admin, team):
    upload = SimpleUploadedFile("kb.jsonl", b'{"question": "q", "answer": "a"}\n')
    response = start(client, admin, upload)
    assert response.status_code == 400
    assert "has no “messages”" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_lines_for_unknown_teams_are_named(client, admin, team):
    start(client, admin, history(2, team="nope"), team="")
    run = ImportRun.objects.get()
    assert run.team is None
    import_runs.import_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == Status.WARNINGS
    why = "no team 'nope' here (create it first, let the import create the teams its lines "
    assert run.warnings == [
        f"line 1: {why}name, or drop the line's team)",
        f"line 2: {why}name, or drop the line's team)",
    ]
    assert run.teams_missing == ["nope"]
    page = client.get(reverse("replay:import", args=[run.pk])).content.decode()
    assert "2 lines skipped" in page
    assert "Lines naming 1 team that is not here were skipped: nope." in page
    assert "Run again, creating it" in page
    assert not Team.objects.filter(slug="nope").exists()

    # Run again, creating the team: the lines go into it, and the page says it has no members.
    response = client.post(reverse("replay:import_again", args=[run.pk]), {"create_teams": "1"})
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("replay:import", args=[again.pk])
    assert again.create_teams
    import_runs.import_run_execute(again.pk)
    again.refresh_from_db()
    created = Team.objects.get(slug="nope")
    assert (again.status, again.imported, again.warnings) == (Status.DONE, 2, [])
    assert (again.teams_created, again.teams_missing) == (["nope"], [])
    assert Ticket.objects.filter(team=created).count() == 2
    assert not created.members.exists()
    page = client.get(reverse("replay:import", args=[again.pk])).content.decode()
    assert "1 team created</b> for the lines that named it: nope." in page
    assert "add their people in Admin" in page


def test_the_form_can_create_the_teams_the_lines_name(client, admin, team):
    Team.objects.create(slug="other", name="billing-eu")
    client.force_login(admin)
    client.post(
        reverse("replay:imports"),
        {"conversations": history(2, team="billing-eu"), "create_teams": "on"},
    )
    run = ImportRun.objects.get()
    assert run.create_teams
    assert not run.learn
    import_runs.import_run_execute(run.pk)
    run.refresh_from_db()
    # Another team already has the slug as its name: the new one is numbered.
    created = Team.objects.get(slug="billing-eu")
    assert (run.status, run.imported, created.name) == (Status.DONE, 2, "billing-eu 2")


def test_stopping_keeps_what_was_imported(client, admin, team):
    start(client, admin, history(5))
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=Status.RUNNING)
    assert client.post(reverse("replay:import_cancel", args=[run.pk])).status_code == 302
    ImportRun.objects.filter(pk=run.pk).update(status=Status.QUEUED)  # as the task finds it
    import_runs.import_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.imported == Ticket.objects.count() == 1  # it stops after the conversation it is on


def test_a_queued_import_is_stopped_at_once_and_cannot_be_stopped_twice(client, admin, team):
    start(client, admin, history())
    run = ImportRun.objects.get()
    client.post(reverse("replay:import_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    response = client.post(reverse("replay:import_cancel", args=[run.pk]))
    assert response.status_code == 422
    assert "already stopped" in response.content.decode()


def test_the_replay_page_offers_the_import_to_admins_only(client, admin, manager):
    client.force_login(admin)
    assert reverse("replay:imports") in client.get(reverse("replay:replays")).content.decode()
    client.force_login(manager)
    assert reverse("replay:imports") not in client.get(reverse("replay:replays")).content.decode()


def test_stopping_an_import_whose_worker_died_ends_it_at_once(client, admin, team):
    start(client, admin, history())
    run = ImportRun.objects.get()
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    ImportRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, updated_at=long_ago)
    client.post(reverse("replay:import_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert "had stopped" in run.error
    # And it can be run again.
    assert client.post(reverse("replay:import_again", args=[run.pk])).status_code == 302
