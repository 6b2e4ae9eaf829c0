import re

import pytest
from django.urls import reverse

from copilot import pipeline
from copilot.models import Suggestion, TeamCopilotSettings
from copilot.pipeline import steps
from knowledge.models import KnowledgeRevision
from tickets import services
from tickets.models import Message

HX = {"HX-Request": "true"}


@pytest.fixture
def suggestion(small_kb, ticket):
    message, _ = services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="How do I make my volume bigger?"
    )
    return pipeline.run(message).suggestion


def act(suggestion, action):
    return reverse(f"copilot:suggestion_{action}", args=[suggestion.ticket_id, suggestion.pk])


def panel(ticket):
    return reverse("copilot:panel", args=[ticket.pk])


def test_the_panel_shows_the_suggestion_its_citation_and_why(client, analyst, suggestion):
    client.force_login(analyst)
    response = client.get(panel(suggestion.ticket))
    assert response.status_code == 200
    assert 'id="copilot-panel"' in response.text
    assert f'id="suggestion-{suggestion.pk}"' in response.text
    cited = suggestion.citations.get()
    assert reverse("knowledge:detail", args=[cited.pk]) in response.text
    assert "likely right by the fitted model" in response.text
    assert "Send as is" in response.text


@pytest.mark.parametrize(
    ("score", "words", "primary"),
    [
        (0.92, "Likely right — about 9 in 10 like this were right", "Send as is"),
        (0.61, "Probably right — about 6 in 10 like this were right", "Insert to edit"),
        (0.34, "Unsure — about 3 in 10 like this were right", "Insert to edit"),
    ],
)
def test_the_panel_says_how_likely_right_in_words_and_offers_editing_first_below_the_send_level(
    client, analyst, suggestion, score, words, primary
):
    Suggestion.objects.filter(pk=suggestion.pk).update(score=score)
    client.force_login(analyst)
    response = client.get(panel(suggestion.ticket), headers=HX)
    assert words in response.text
    assert primary_button(response.text) == primary
    # The raw number is still there for who wants it, behind the details toggle.
    assert f"<dt>Chance right (calibrated)</dt><dd>{score:.2f}</dd>" in details(response.text)
    assert ("Edit first" in response.text) == (primary == "Insert to edit")


def primary_button(html):
    return re.findall(r'class="btn btn-primary btn-small" type="submit">([^<]+)</button>', html)[0]


def details(html):
    return html[html.index("<summary>Details</summary>") : html.index("</details>")]


def test_the_send_as_is_level_is_the_teams_auto_threshold(client, analyst, suggestion, team):
    TeamCopilotSettings.objects.create(team=team, threshold=0.4, auto_threshold=0.6)
    client.force_login(analyst)
    Suggestion.objects.filter(pk=suggestion.pk).update(score=0.61)
    assert primary_button(client.get(panel(suggestion.ticket), headers=HX).text) == "Send as is"
    Suggestion.objects.filter(pk=suggestion.pk).update(score=0.59)
    text = client.get(panel(suggestion.ticket), headers=HX).text
    assert primary_button(text) == "Insert to edit"
    assert "Edit first: below the 60 % at which your team lets the copilot" in text


def test_the_raw_figures_sit_behind_details_not_beside_the_label(client, analyst, suggestion):
    client.force_login(analyst)
    text = client.get(panel(suggestion.ticket), headers=HX).text
    head = text[text.index('class="suggestion-head"') : text.index('class="suggestion-text"')]
    assert not re.search(r"\d\.\d\d", head)  # no score, no cosine next to "Knowledge match"
    closeness = suggestion.run.features["closeness"]
    assert f"<dt>Closeness to the question</dt><dd>{closeness:.2f}</dd>" in details(text)
    assert f"Why: {suggestion.why}</p>" in details(text)


def test_an_explored_suggestion_keeps_its_label_and_is_edited_first(client, analyst, suggestion):
    Suggestion.objects.filter(pk=suggestion.pk).update(
        score=0.41, label="Exploring below threshold"
    )
    client.force_login(analyst)
    text = client.get(panel(suggestion.ticket), headers=HX).text
    assert "Exploring below threshold</span>" in text
    assert "Unsure — about 4 in 10 like this were right" in text
    assert primary_button(text) == "Insert to edit"


def test_an_answer_without_a_score_is_edited_first(client, analyst, suggestion):
    Suggestion.objects.filter(pk=suggestion.pk).update(score=None)
    client.force_login(analyst)
    text = client.get(panel(suggestion.ticket), headers=HX).text
    assert primary_button(text) == "Insert to edit"
    assert "like this were right" not in text


def test_a_status_update_shows_no_confidence(client, analyst, ticket):
    client.force_login(analyst)
    text = client.post(reverse("copilot:status_update", args=[ticket.pk]), headers=HX).text
    assert "Status update</span>" in text
    assert "like this were right" not in text
    assert "Chance right" not in text
    assert "Edit first" not in text
    assert primary_button(text) == "Send as is"


def test_the_panel_is_a_fragment_and_readers_get_no_actions(client, curator, suggestion):
    client.force_login(curator)
    response = client.get(panel(suggestion.ticket), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<section")
    assert "like this were right" in response.text  # a curator reads the panel
    assert "Insert to edit" not in response.text
    assert "Edit first" not in response.text
    assert client.post(panel(suggestion.ticket), headers=HX).status_code == 405


def test_the_panel_lists_silent_decisions(client, analyst, small_kb, ticket):
    message, _ = services.message_create(ticket=ticket, kind="customer", body="Thanks!")
    pipeline.run(message)
    client.force_login(analyst)
    text = client.get(panel(ticket)).text
    assert "Stayed silent (1)" in text
    assert "thanks or acknowledgement" in text


def test_send_as_is_replies_and_counts_an_acceptance(client, analyst, suggestion):
    client.force_login(analyst)
    response = client.post(act(suggestion, "send"), headers=HX)
    assert response.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SENT
    assert suggestion.sent_message.kind == Message.Kind.ANALYST
    assert suggestion.sent_message.author == analyst
    assert suggestion.sent_message.body == suggestion.text
    assert suggestion.citations.get().times_accepted == 1
    again = client.post(act(suggestion, "send"), headers=HX)
    assert again.status_code == 422
    assert "already sent as is" in again.text
    assert suggestion.ticket.messages.filter(kind="analyst").count() == 1


def test_an_edited_insert_becomes_a_proposed_revision(
    client, analyst, suggestion, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    assert client.post(act(suggestion, "insert"), headers=HX).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tickets:reply", args=[suggestion.ticket_id]),
            {"body": "Resize it in the console, then run growpart and xfs_growfs."},
            headers=HX,
        )
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.EDITED
    entry = suggestion.citations.get()
    assert entry.times_edited == 1
    revision = entry.revisions.get(kind=KnowledgeRevision.Kind.PROPOSAL)
    assert "xfs_growfs" in revision.answer
    assert revision.ticket_id == suggestion.ticket_id


def test_an_unchanged_insert_counts_as_sent(
    client, analyst, suggestion, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    client.post(act(suggestion, "insert"), headers=HX)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tickets:reply", args=[suggestion.ticket_id]), {"body": suggestion.text}
        )
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SENT


def test_dismiss_needs_a_known_reason_and_counts_against_the_entry(client, analyst, suggestion):
    client.force_login(analyst)
    refused = client.post(act(suggestion, "dismiss"), {"reason": "meh"}, headers=HX)
    assert refused.status_code == 422
    assert "Choose why" in refused.text
    assert (
        client.post(act(suggestion, "dismiss"), {"reason": "outdated"}, headers=HX).status_code
        == 200
    )
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.dismiss_reason) == ("dismissed", "outdated")
    assert suggestion.citations.get().times_dismissed == 1


def test_only_analysts_of_the_team_act(client, curator, other_analyst, suggestion):
    client.force_login(curator)
    assert client.get(panel(suggestion.ticket)).status_code == 200
    assert client.post(act(suggestion, "send"), headers=HX).status_code == 403
    client.force_login(other_analyst)
    assert client.get(panel(suggestion.ticket)).status_code == 404
    assert client.post(act(suggestion, "send"), headers=HX).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SHOWN


def test_unknown_suggestions_and_actions(client, analyst, suggestion, make_ticket):
    client.force_login(analyst)
    other = make_ticket()
    wrong_ticket = reverse("copilot:suggestion_send", args=[other.pk, suggestion.pk])
    assert client.post(wrong_ticket, headers=HX).status_code == 404
    unknown = act(suggestion, "send").replace("/send/", "/explode/")
    assert client.post(unknown, headers=HX).status_code == 404
    assert client.get(act(suggestion, "send")).status_code == 405


def test_the_panel_says_when_the_copilot_is_unavailable(
    client, analyst, small_kb, ticket, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("provider down")

    monkeypatch.setattr(steps.knowledge, "answer_candidates", broken)
    message, _ = services.message_create(ticket=ticket, kind="customer", body="How do I resize?")
    pipeline.run(message)
    client.force_login(analyst)
    assert "The copilot is unavailable right now" in client.get(panel(ticket)).text


def test_unknown_tickets_and_other_teams_get_no_summary(client, other_analyst, ticket):
    client.force_login(other_analyst)
    assert client.post(reverse("copilot:summary", args=[ticket.pk]), headers=HX).status_code == 404


def test_the_panel_says_the_copilot_is_degraded_while_its_worker_is_given_up(
    client, analyst, ticket, settings, tmp_path
):
    from core import worker_status

    settings.DATA_DIR = tmp_path
    client.force_login(analyst)
    assert "The copilot is degraded" not in client.get(panel(ticket)).text
    worker_status.worker_given_up(reason="crashed 5 times in a row")
    assert "The copilot is degraded" in client.get(panel(ticket)).text
    worker_status.worker_status_clear()
    assert "The copilot is degraded" not in client.get(panel(ticket)).text
