import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from copilot.models import TeamCopilotSettings
from replay import processes, supervisor
from replay.models import ReplayRun
from tests.factories import UserFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONVERSATIONS = FIXTURES / "replay_small.jsonl"
KNOWLEDGE = FIXTURES / "knowledge_small.jsonl"
REPORT = json.loads((FIXTURES / "replay_report.json").read_text())
HX = {"HX-Request": "true"}
Status = ReplayRun.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(db):
    return UserFactory(username="ada", roles=["admin"])


def make_run(user, *, status=Status.DONE, report=None, team=None, **fields):
    run = ReplayRun(created_by=user, status=status, report=report, team=team, **fields)
    run.conversations.save("support-march.jsonl", ContentFile(CONVERSATIONS.read_bytes()), False)
    run.save()
    return run


@pytest.fixture
def finished(manager, team):
    return make_run(manager, status=Status.WARNINGS, report=REPORT, team=team)


@pytest.fixture
def running(manager):
    return make_run(
        manager,
        status=Status.RUNNING,
        conversations_done=3,
        conversations_total=10,
        messages_done=7,
        rate=4.2,
    )


def url(name, run=None):
    return reverse(f"replay:{name}", args=[run.pk] if run else [])


def upload(name, content):
    return SimpleUploadedFile(name, content if isinstance(content, bytes) else content.encode())


def form_data(**overrides):
    data = {
        "conversations": upload("march.jsonl", CONVERSATIONS.read_bytes()),
        "engine": "local",
        "learn": "on",
        "auto_approve": "on",
        "team": "",
        "limit": "",
        "target_precision": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may see it ---


@pytest.mark.parametrize("role", ["analyst", "curator", "nobody"])
def test_it_refuses_everyone_but_managers_and_admins(client, request, role, finished):
    client.force_login(request.getfixturevalue(role))
    for name in ("replays", "replay_new"):
        assert client.get(url(name)).status_code == 403
    for name in ("replay", "replay_progress", "replay_report", "replay_results"):
        assert client.get(url(name, finished)).status_code == 403
    for name in ("replay_cancel", "replay_apply_threshold"):
        assert client.post(url(name, finished)).status_code == 403
    assert client.post(url("replay_new"), form_data()).status_code == 403
    assert ReplayRun.objects.count() == 1


def test_it_sends_strangers_to_the_login_page(client, finished):
    response = client.get(url("replay", finished))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_get_in_and_see_the_navigation_link(client, request, role, finished):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url("replays"))
    assert response.status_code == 200
    assert f'href="{url("replays")}">Replay</a>' in response.text
    assert f'href="{url("replay", finished)}">support-march.jsonl</a>' in response.text
    assert client.get(url("replay", finished)).status_code == 200


def test_the_navigation_link_is_hidden_from_analysts(client, analyst):
    client.force_login(analyst)
    assert "Replay</a>" not in client.get(reverse("tickets:queue")).text


def test_wrong_methods_are_refused(client, manager, finished):
    client.force_login(manager)
    assert client.post(url("replays")).status_code == 405
    assert client.post(url("replay", finished)).status_code == 405
    assert client.get(url("replay_cancel", finished)).status_code == 405
    assert client.get(url("replay_apply_threshold", finished)).status_code == 405


def test_an_unknown_run_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("replay:replay", args=[999999])).status_code == 404


# --- The list ---


def test_the_list_shows_runs_newest_first_with_their_headline(client, manager, finished, running):
    client.force_login(manager)
    text = client.get(url("replays")).text
    assert text.index(f"copilot/replays/{running.pk}/") < text.index(
        f"copilot/replays/{finished.pk}/"
    )
    assert (
        "anticipated the agent 30.0% · resembles the human answer 10.0% · doc hits where links "
        "exist 36.0% · 640 messages · spoke 12.5%"
    ) in text
    assert "3 of 10 conversations" in text
    assert "Done with warnings" in text


def test_an_empty_list_invites_a_first_replay(client, manager):
    client.force_login(manager)
    assert "No replays yet" in client.get(url("replays")).text


# --- Starting a replay ---


def test_the_form_shows_the_options(client, manager, team):
    client.force_login(manager)
    text = client.get(url("replay_new")).text
    assert 'enctype="multipart/form-data"' in text
    for name in ("conversations", "knowledge", "engine", "team", "limit", "target_precision"):
        assert f'name="{name}"' in text
    assert f'<option value="{team.slug}">{team.name}</option>' in text


def test_starting_a_replay_saves_the_run_and_queues_it(
    client, manager, team, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    data = form_data(
        knowledge=upload("kb.jsonl", KNOWLEDGE.read_bytes()),
        team=team.slug,
        limit="50",
        target_precision="0.9",
        auto_approve=None,
    )
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url("replay_new"), data)
    run = ReplayRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("replay", run)
    assert len(queued) == 1  # the task, queued once the run is committed
    assert (run.status, run.created_by, run.team, run.engine) == (
        Status.QUEUED,
        manager,
        team,
        "local",
    )
    assert (run.learn, run.auto_approve, run.limit, run.target_precision) == (
        True,
        False,
        50,
        0.9,
    )
    assert run.conversations_name == "march.jsonl"
    assert run.knowledge_name == "kb.jsonl"
    assert Path(run.conversations.path).read_bytes() == CONVERSATIONS.read_bytes()
    assert str(run.key) in run.conversations.name


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"conversations": None}, "This field is required."),
        ({"conversations": upload("march.csv", '{"messages": []}\n')}, "is not a .jsonl file"),
        ({"conversations": upload("march.jsonl", b"")}, "The submitted file is empty."),
        ({"conversations": upload("march.jsonl", "id,messages\n")}, "is not JSON"),
        ({"conversations": upload("march.jsonl", "[1, 2]\n")}, "is not a JSON object"),
        (
            {"conversations": upload("march.jsonl", "[" * 100_000 + "]" * 100_000 + "\n")},
            "nested more than 32 levels deep",
        ),
        ({"conversations": upload("march.jsonl", b"\xff\xfe{}\n")}, "is not UTF-8 text"),
        (
            {"conversations": upload("kb.jsonl", KNOWLEDGE.read_bytes())},
            "has no “messages”",
        ),
        (
            {"knowledge": upload("kb.jsonl", CONVERSATIONS.read_bytes())},
            "has no “question”",
        ),
        ({"limit": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"limit": "many"}, "Enter a whole number."),
        ({"target_precision": "1.5"}, "Ensure this value is less than or equal to 1.0."),
        ({"team": "nope"}, "Select a valid choice."),
        ({"engine": "gpt"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_form_error_and_saves_nothing(client, manager, overrides, error):
    client.force_login(manager)
    response = client.post(url("replay_new"), form_data(**overrides))
    assert response.status_code == 400
    assert error in response.text
    assert 'class="field-error"' in response.text
    assert not ReplayRun.objects.exists()


def test_a_file_over_the_limit_is_refused(client, manager, settings):
    settings.VIGIL_REPLAY_MAX_UPLOAD_MB = 1
    client.force_login(manager)
    line = json.dumps({"id": "t", "messages": [{"role": "customer", "text": "x" * 2000}]}) + "\n"
    big = upload("march.jsonl", line * 600)
    response = client.post(url("replay_new"), form_data(conversations=big))
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.text
    assert not ReplayRun.objects.exists()


def test_the_llm_steps_needs_a_model(client, manager, settings):
    settings.VIGIL_LLM_MODELS = {}
    client.force_login(manager)
    response = client.post(url("replay_new"), form_data(engine="llm"))
    assert response.status_code == 400
    assert "No language model is configured" in response.text


def test_one_replay_runs_at_a_time(client, manager, running):
    client.force_login(manager)
    response = client.post(url("replay_new"), form_data())
    assert response.status_code == 400
    assert f"Replay #{running.pk} is still running" in response.text
    assert ReplayRun.objects.count() == 1


# --- Following a run ---


def test_a_running_replay_polls_its_progress(client, manager, running):
    client.force_login(manager)
    page = client.get(url("replay", running)).text
    assert f'hx-get="{url("replay_progress", running)}"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "<b>3</b> of 10 conversations" in page
    assert "4.2/s" in page
    assert "Cancel replay" in page
    fragment = client.get(url("replay_progress", running), headers=HX).text
    assert fragment.lstrip().startswith('<section id="replay-run"')
    assert 'hx-trigger="every 1s"' in fragment
    assert "<html" not in fragment


def test_the_last_poll_stops_polling_and_brings_the_report(client, manager, running):
    client.force_login(manager)
    ReplayRun.objects.filter(pk=running.pk).update(status=Status.DONE, report=REPORT)
    fragment = client.get(url("replay_progress", running), headers=HX).text
    assert fragment.lstrip().startswith('<section id="replay-run"')
    assert "hx-trigger" not in fragment
    assert 'id="chart-curve"' in fragment
    assert "Cancel replay" not in fragment


def test_a_failed_run_shows_its_error(client, manager):
    run = make_run(manager, status=Status.FAILED, error="The replay stopped with exit status 1.")
    client.force_login(manager)
    text = client.get(url("replay", run)).text
    assert "The replay failed." in text
    assert "exit status 1" in text
    assert "Report (JSON)" not in text


# --- The report ---


def test_the_report_shows_figures_charts_and_examples(client, manager, finished):
    client.force_login(manager)
    text = client.get(url("replay", finished)).text
    for figure in ("12.5%", "75.0%", "20.0%", "8.1 ms", "p95 20.3 ms", "52.0/s", "120"):
        assert figure in text
    assert "on 80 messages: 70 answer, 10 status update" in text
    assert "token F1 0.120 · cosine 0.410 over 60" in text
    assert "30 new (30 approved), 10 merged, 0 rejected; 12 suggestions cite them" in text
    for chart in ("chart-curve", "chart-silence", "chart-learning"):
        assert f'id="{chart}"' in text
    assert text.count('<svg class="chart"') == 3
    assert "target 80%" in text  # the target precision rule
    assert "threshold 0.70" in text  # the recommended threshold called out
    # The text beside the curve states the rule the threshold was picked by.
    assert "at least 10 of them, spoke where a human replied <b>0.80</b>" in text
    assert "fewer than 10 suggestions (the curve's leftmost points)" in text
    assert text.index("Anticipated the agent") < text.index("Spoke where a human replied")
    assert "not a question or problem report" in text
    assert "learned and approved" in text
    assert "Resize it under Volumes &gt; Resize" in text  # the human answer beside it
    assert "No answer followed this message." in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text
    assert "line 3: not valid JSON" in text
    assert f'href="{url("replay_report", finished)}"' in text


def test_a_report_without_answer_links_has_no_curve_and_no_threshold(client, manager, team):
    report = {**REPORT, "ground_truth": None}
    run = make_run(manager, report=report, team=team)
    client.force_login(manager)
    text = client.get(url("replay", run)).text
    assert "no answer links (reply_to)" in text
    assert 'id="chart-curve"' not in text
    assert 'id="chart-silence"' in text
    assert "Apply threshold" not in text


def test_without_answer_links_a_suggestion_stands_beside_what_support_said_next(
    client, manager, team
):
    example = {
        **REPORT["examples"][0],
        "human_answer": None,
        "correct": None,
        "anticipated": True,
        "support_after": "Sorry about that!\n\nThis guide helps: https://help.example/resize",
    }
    run = make_run(manager, report={**REPORT, "ground_truth": None, "examples": [example]})
    client.force_login(manager)
    text = client.get(url("replay", run)).text
    assert "Support said next" in text
    assert "This guide helps: https://help.example/resize" in text
    assert "the agent went on to send this" in text
    assert "No answer followed this message." not in text


def test_a_report_missing_figures_still_renders(client, manager):
    run = make_run(manager, report={"conversations": 3})
    client.force_login(manager)
    response = client.get(url("replay", run))
    assert response.status_code == 200
    assert "—" in response.text


def test_the_report_downloads_as_json(client, manager, finished):
    client.force_login(manager)
    response = client.get(url("replay_report", finished))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f'filename="replay-{finished.pk}-report.json"' in response["Content-Disposition"]
    assert json.loads(response.content) == REPORT


def test_the_results_download_from_the_runs_folder(client, manager, finished):
    client.force_login(manager)
    assert client.get(url("replay_results", finished)).status_code == 404
    path = processes.results_path(finished)
    path.parent.mkdir(parents=True)
    path.write_text('{"conversation": "t-1"}\n')
    response = client.get(url("replay_results", finished))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b'{"conversation": "t-1"}\n'
    assert "attachment" in response["Content-Disposition"]
    assert f'href="{url("replay_results", finished)}"' in client.get(url("replay", finished)).text


def test_a_run_without_a_report_has_nothing_to_download(client, manager, running):
    client.force_login(manager)
    assert client.get(url("replay_report", running)).status_code == 404
    assert client.get(url("replay_results", running)).status_code == 404


# --- Cancel ---


def test_cancelling_a_queued_run_stops_it_before_it_starts(client, manager):
    run = make_run(manager, status=Status.QUEUED)
    client.force_login(manager)
    response = client.post(url("replay_cancel", run), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="replay-run"')
    assert "Cancelled" in response.text
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.finished_at is not None
    assert supervisor.replay_run_execute(run.pk) == f"replay #{run.pk} was not waiting to run"


def test_cancelling_a_running_run_flags_it_for_its_task(client, manager, running):
    ReplayRun.objects.filter(pk=running.pk).update(host="", worker_pid=1)
    client.force_login(manager)
    response = client.post(url("replay_cancel", running))
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.cancel_requested
    assert running.status == Status.RUNNING  # the task stops it and records how it ended
    assert "Stopping…" in client.get(url("replay", running)).text


def test_a_finished_run_cannot_be_cancelled(client, manager, finished):
    client.force_login(manager)
    response = client.post(url("replay_cancel", finished), headers=HX)
    assert response.status_code == 422
    assert "already done with warnings" in response.text
    assert client.post(url("replay_cancel", finished)).status_code == 422


# --- Apply the threshold ---


def test_the_button_applies_the_recommended_threshold_to_the_team(client, manager, finished, team):
    TeamCopilotSettings.objects.create(team=team, threshold=0.6)
    client.force_login(manager)
    page = client.get(url("replay", finished)).text
    assert "Apply threshold 0.70 to Compute" in page
    assert "Compute's threshold is 0.60 now" in page
    response = client.post(url("replay_apply_threshold", finished), follow=True)
    assert response.status_code == 200
    assert "Compute&#x27;s threshold is now 0.70." in response.text
    assert "Applied by" in response.text
    saved = TeamCopilotSettings.objects.get(team=team)
    assert saved.threshold == 0.7
    assert f"replay #{finished.pk} of support-march.jsonl" in saved.calibration_note
    assert "precision target 0.80" in saved.calibration_note
    finished.refresh_from_db()
    assert finished.threshold_applied_by == manager


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"team": None}, "not run for a team"),
        (
            {
                "report": {
                    **REPORT,
                    "ground_truth": {**REPORT["ground_truth"], "threshold_for_target": None},
                }
            },
            "No threshold reached the target precision",
        ),
        ({"status": Status.CANCELLED}, "Only a finished replay"),
    ],
)
def test_no_threshold_is_applied_when_there_is_none_to_apply(client, manager, team, fields, error):
    run = make_run(manager, **({"report": REPORT, "team": team} | fields))
    client.force_login(manager)
    assert "Apply threshold" not in client.get(url("replay", run)).text
    response = client.post(url("replay_apply_threshold", run))
    assert response.status_code == 422
    assert error in response.text
    assert not TeamCopilotSettings.objects.filter(team=team).exists()
