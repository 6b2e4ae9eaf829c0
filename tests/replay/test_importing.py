import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from copilot.models import CopilotRun
from dashboards.scope import Scope
from dashboards.selectors import support
from knowledge.models import KnowledgeEntry
from replay import importing
from tickets.models import Message, Team, Ticket

CONVERSATIONS = Path(__file__).resolve().parent.parent / "fixtures" / "replay_conversations.jsonl"


def conversation(id_, *messages, team=None, resolved=True):
    line = {"id": id_, "messages": list(messages), "resolved": resolved}
    if team:
        line["team"] = team
    return json.dumps(line)


def said(role, text, at=None, author="Ada"):
    return {"role": role, "author": author, "text": text, "at": at}


def write(tmp_path, *lines):
    path = tmp_path / "history.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def run(path, *args):
    """The command's exit status: 0, or what it exited with."""
    try:
        call_command("import_conversations", str(path), "--progress=none", *args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_each_conversation_becomes_a_closed_imported_ticket_and_teaches(team):
    assert run(CONVERSATIONS, "--team", "compute") == 1  # three bad lines, named and skipped
    tickets = Ticket.objects.filter(team=team).order_by("import_id")
    assert [t.import_id for t in tickets] == ["c-1", "c-2", "c-3", "c-4"]
    assert all(t.status == Ticket.Status.CLOSED and t.is_imported for t in tickets)
    first = tickets.get(import_id="c-1")
    messages = list(first.messages.all())
    assert [m.kind for m in messages] == [
        Message.Kind.CUSTOMER,
        Message.Kind.ANALYST,
        Message.Kind.CUSTOMER,
    ]
    assert messages[0].created_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert first.created_at == messages[0].created_at
    assert first.first_response_at == messages[1].created_at
    assert first.resolved_at == first.closed_at == messages[-1].created_at
    assert first.customer.name == "Dana Whitfield"
    # Numbered as live messages are: a page open on the ticket fetches what it misses.
    assert [(m.seq, m.public_seq) for m in messages] == [(1, 1), (2, 2), (3, 3)]
    assert (first.message_seq, first.public_message_seq) == (3, 3)
    assert first.customer.email.endswith("@imported.invalid")
    # The unresolved one is imported and not learned from, and nothing ran the copilot.
    assert tickets.get(import_id="c-4").resolved_at is None
    assert not CopilotRun.objects.exists()
    learned = KnowledgeEntry.objects.filter(team=team, source=KnowledgeEntry.Source.LEARNED)
    assert learned.exists()
    # Proposals wait for a curator: the team's policy does not approve them.
    assert set(learned.values_list("status", flat=True)) == {KnowledgeEntry.Status.PROPOSED}


def test_importing_twice_adds_nothing(team):
    run(CONVERSATIONS, "--team", "compute")
    counts = (Ticket.objects.count(), Message.objects.count(), KnowledgeEntry.objects.count())
    run(CONVERSATIONS, "--team", "compute")
    assert (Ticket.objects.count(), Message.objects.count(), KnowledgeEntry.objects.count()) == (
        counts
    )


def test_a_lines_own_team_wins_and_an_unknown_team_is_named(tmp_path, team, other_team, capsys):
    path = write(
        tmp_path,
        conversation("a", said("customer", "How do I pay an invoice?"), team="billing"),
        conversation("b", said("customer", "My volume is full"), team="nope"),
        conversation("c", said("customer", "My volume is full again")),
    )
    assert run(path, "--team", "compute") == 1
    assert Ticket.objects.get(import_id="a").team == other_team
    assert Ticket.objects.get(import_id="c").team == team
    assert not Ticket.objects.filter(import_id="b").exists()
    out, err = capsys.readouterr()
    assert "line 2: no team 'nope' here" in err
    assert "teams not here, their lines skipped: nope (--create-teams creates them)" in out


def test_without_a_team_a_line_that_names_none_is_skipped(tmp_path, team, capsys):
    path = write(tmp_path, conversation("a", said("customer", "Hello?")))
    assert run(path) == 1
    assert not Ticket.objects.exists()
    assert "choose a team for such lines" in capsys.readouterr().err


def test_asked_to_the_command_creates_the_teams_the_lines_name(tmp_path, team, capsys):
    path = write(
        tmp_path,
        conversation("a", said("customer", "Where is my parcel?"), team="parcels"),
        conversation("b", said("customer", "Can I export?"), team="compute"),
        conversation("c", said("customer", "It never came"), team="parcels"),
        conversation("d", said("customer", "Too long a slug"), team="x" * 81),
    )
    assert run(path, "--create-teams", "--no-learn") == 1  # the slug no team can have
    created = Team.objects.get(slug="parcels")
    assert (created.name, created.members.count()) == ("parcels", 0)
    assert sorted(created.tickets.values_list("import_id", flat=True)) == ["a", "c"]
    assert team.tickets.get().import_id == "b"
    out, err = capsys.readouterr()
    assert "teams created (no members yet): parcels" in out
    assert f"line 4: no team '{'x' * 81}' here" in err
    assert Team.objects.count() == 2


def test_a_team_answering_under_its_own_name_keeps_that_name_in_what_it_teaches(tmp_path, db):
    Team.objects.create(slug="google", name="Google")
    answer = (
        "Hi Gloria. Have you already tried recovering your Google account with the steps "
        "here: https://support.google.com/accounts/answer/7682439"
    )
    path = write(
        tmp_path,
        conversation(
            "a",
            said("customer", "I cannot get back into my old email account.", author="Gloria"),
            said("analyst", answer, author="Google"),
            team="google",
        ),
    )
    assert run(path) == 0
    [entry] = KnowledgeEntry.objects.all()
    assert "recovering your Google account" in entry.answer
    assert "Gloria" not in entry.answer  # the customer's name still goes


def test_an_unknown_default_team_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No team 'nope'"):
        call_command("import_conversations", str(CONVERSATIONS), "--team", "nope")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_conversations", str(tmp_path / "missing.jsonl"))


def test_text_postgresql_cannot_hold_is_cleaned_and_staff_lines_before_the_customer_dropped(
    tmp_path, team
):
    path = write(
        tmp_path,
        conversation(
            "a",
            said("analyst", "Welcome to the channel", author="bot-greeter"),
            said("customer", "It\x00 crashes", at="2026-01-01T10:00:00Z"),
            said("analyst", "Which version?", author="sam"),  # no time: after the one before
            said("customer", "   "),
        ),
        conversation("b", said("analyst", "Anyone there?")),
    )
    assert run(path, "--team", "compute") == 1  # "b" has no customer message
    ticket = Ticket.objects.get(import_id="a")
    assert [(m.kind, m.body) for m in ticket.messages.all()] == [
        (Message.Kind.CUSTOMER, "It crashes"),
        (Message.Kind.ANALYST, "Which version?"),
    ]
    assert {m.created_at for m in ticket.messages.all()} == {
        dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    }


def test_a_stopped_import_keeps_what_it_did_and_goes_on_when_run_again(tmp_path, team, monkeypatch):
    lines = [conversation(f"t-{i}", said("customer", f"Question {i}?")) for i in range(5)]
    path = write(tmp_path, *lines)
    real = importing.conversation_import

    def stopped_at_the_third(found, **kwargs):
        if found.id == "t-2":
            raise KeyboardInterrupt
        return real(found, **kwargs)

    monkeypatch.setattr(importing, "conversation_import", stopped_at_the_third)
    with pytest.raises(CommandError, match="run the same command again") as stopped:
        call_command("import_conversations", str(path), "--team", "compute", "--progress=none")
    assert stopped.value.returncode == 130
    assert sorted(Ticket.objects.values_list("import_id", flat=True)) == ["t-0", "t-1"]
    monkeypatch.setattr(importing, "conversation_import", real)
    assert run(path, "--team", "compute") == 0
    assert Ticket.objects.count() == 5


def test_imported_history_stays_out_of_live_figures(tmp_path, team, manager):
    path = write(
        tmp_path,
        conversation(
            "old",
            said("customer", "Help?", at="2026-01-01T10:00:00Z"),
            said("analyst", "Here you go.", at="2026-01-01T10:30:00Z"),
        ),
    )
    run(path, "--team", "compute")
    assert Ticket.objects.get().created_at.date() == dt.date(2026, 1, 1)
    scope = Scope(user=manager, team_ids=None, start=dt.date(2025, 12, 1), end=dt.date(2026, 2, 1))
    volume = support.support_volume(scope)
    assert sum(volume.series["opened"]) == sum(volume.series["resolved"]) == 0
    assert support.support_times(scope).first_response.count == 0


def test_the_ticket_page_says_it_was_imported(client, tmp_path, team, analyst):
    path = write(tmp_path, conversation("old", said("customer", "Help?")))
    run(path, "--team", "compute")
    client.force_login(analyst)
    page = client.get(reverse("tickets:detail", args=[Ticket.objects.get().pk]))
    assert page.status_code == 200
    assert "Imported" in page.content.decode()


def test_the_queues_search_finds_imported_tickets_by_text_or_conversation_id(
    client, tmp_path, team, analyst
):
    path = write(tmp_path, conversation("zd-4411", said("customer", "Invoice PDF is blank")))
    run(path, "--team", "compute")
    client.force_login(analyst)
    queue = reverse("tickets:queue")
    for term in ("blank", "zd-4411", "zd-44"):
        found = client.get(queue, {"q": term}, headers={"HX-Request": "true"}).text
        assert "Invoice PDF is blank" in found, term
    unfinished = client.get(queue, headers={"HX-Request": "true"}).text
    assert "Invoice PDF is blank" not in unfinished


def test_the_ticket_page_lists_the_customers_other_tickets_the_user_may_see(
    client, tmp_path, team, other_team, analyst
):
    path = write(
        tmp_path,
        conversation("old-1", said("customer", "Export is empty", author="Ada")),
        conversation("old-2", said("customer", "Invoice missing", author="Ada"), team="billing"),
        conversation("now", said("customer", "Export is empty again", author="Ada")),
    )
    run(path, "--team", "compute")
    current = Ticket.objects.get(import_id="now")
    client.force_login(analyst)  # a member of Compute only
    page = client.get(reverse("tickets:detail", args=[current.pk])).content.decode()
    assert "Their other tickets" in page
    assert "Export is empty</a>" in page
    assert "Invoice missing" not in page  # Billing's, not this analyst's to see


def _synchronous_commit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_an_imports_commits_do_not_wait_for_the_disk_and_the_setting_comes_back(team):
    before = _synchronous_commit()
    assert before == "on"
    seen = []
    importing.import_file(
        CONVERSATIONS, default=team, progress=lambda done: seen.append(_synchronous_commit())
    )
    assert seen
    assert set(seen) == {"off"}
    assert _synchronous_commit() == before
