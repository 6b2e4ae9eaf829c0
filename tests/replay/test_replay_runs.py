import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from replay import processes, services, supervisor
from replay.models import ReplayRun
from replay.progress import ProgressEvent, parse_progress_line
from replay.supervisor import ProgressWriter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONVERSATIONS = FIXTURES / "replay_small.jsonl"
KNOWLEDGE = FIXTURES / "knowledge_small.jsonl"
Status = ReplayRun.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def subprocess_uses_the_test_database(monkeypatch):
    """The replay subprocess reads its team from the live database, which in a test is the
    test database: only the environment it inherits can tell it so."""
    url = urlsplit(django_settings.DATABASE_URL)
    name = connection.settings_dict["NAME"]
    monkeypatch.setenv("DATABASE_URL", urlunsplit(url._replace(path=f"/{name}")))


def queued_run(user, conversations=CONVERSATIONS, *, knowledge=KNOWLEDGE, **fields):
    """A run as the form saves it, without queueing its task."""
    options = {"engine": "local", "learn": True, "auto_approve": True} | fields
    run = ReplayRun(created_by=user, **options)
    run.conversations.save(conversations.name, ContentFile(conversations.read_bytes()), False)
    if knowledge is not None:
        run.knowledge.save(knowledge.name, ContentFile(knowledge.read_bytes()), False)
    run.save()
    return run


def replay_databases():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
            [connection.settings_dict["NAME"] + "_replay_%"],
        )
        return cursor.fetchone()[0]


# --- Progress lines ---


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"event": "progress", "conversations": 3, "total": 10, "messages": 7, "rate": 4.5}\n',
            ProgressEvent("progress", conversations=3, total=10, messages=7, rate=4.5),
        ),
        (
            '{"event": "progress", "conversations": 1, "total": 1, "messages": 0, "rate": null}',
            ProgressEvent("progress", conversations=1, total=1, messages=0, rate=0.0),
        ),
        (
            '{"event": "warning", "line": 3, "message": "not valid JSON"}',
            ProgressEvent("warning", line=3, message="not valid JSON"),
        ),
        ('{"event": "done", "interrupted": false}', ProgressEvent("done")),
        ("knowledge: 20 entries from kb.jsonl, approved", None),
        ("", None),
        ("[1, 2]", None),
        ('{"event": "progress", "conversations": 3}', None),
        ('{"event": "progress", "conversations": -1, "total": 1, "messages": 0}', None),
        ('{"event": "progress", "conversations": "3", "total": 1, "messages": 0}', None),
        ('{"event": "warning", "line": "three", "message": "x"}', None),
        ('{"event": "restart"}', None),
    ],
)
def test_it_parses_progress_lines_and_ignores_anything_else(line, expected):
    assert parse_progress_line(line) == expected


def progress(done):
    return ProgressEvent("progress", conversations=done, total=10, messages=2 * done, rate=1.5)


def test_progress_is_saved_at_most_once_a_second(manager, django_assert_num_queries):
    run = queued_run(manager)
    now = [100.0]
    writer = ProgressWriter(run, clock=lambda: now[0])

    def stored():
        fresh = ReplayRun.objects.get(pk=run.pk)
        return fresh.conversations_done, fresh.messages_done, len(fresh.warnings)

    with django_assert_num_queries(1):
        writer.apply(progress(1))  # the first at once
    with django_assert_num_queries(0):
        for t, done in [(100.3, 2), (100.99, 3)]:
            now[0] = t
            writer.apply(progress(done))
        writer.apply(ProgressEvent("warning", line=3, message="not valid JSON"))
    assert stored() == (1, 2, 0)
    now[0] = 101.0
    with django_assert_num_queries(1):
        writer.apply(progress(4))
    assert stored() == (4, 8, 1)
    now[0] = 101.5
    with django_assert_num_queries(0):
        writer.apply(progress(5))
        writer.apply(ProgressEvent("done"))
    with django_assert_num_queries(1):
        writer.flush()  # what is left, at the end
    assert stored() == (5, 10, 1)
    with django_assert_num_queries(0):
        writer.flush()  # nothing new


def test_the_cancel_flag_is_read_at_most_once_a_second(manager, django_assert_num_queries):
    run = queued_run(manager)
    now = [0.0]
    writer = ProgressWriter(run, clock=lambda: now[0])
    with django_assert_num_queries(1):
        assert not writer.cancel_requested()
    ReplayRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    now[0] = 0.5
    with django_assert_num_queries(0):
        assert not writer.cancel_requested()
    now[0] = 1.0
    with django_assert_num_queries(1):
        assert writer.cancel_requested()
    now[0] = 5.0
    with django_assert_num_queries(0):
        assert writer.cancel_requested()


# --- The command line ---


def test_the_command_carries_every_option(manager, team):
    run = queued_run(manager, limit=50, target_precision=0.9, team=team, auto_approve=False)
    folder = processes.output_folder(run)
    assert supervisor.replay_command(run) == [
        sys.executable,
        str(Path(django_settings.BASE_DIR) / "manage.py"),
        "replay",
        run.conversations.path,
        "--progress=json",
        f"--report={folder / 'report.json'}",
        f"--out={folder / 'results.jsonl'}",
        "--engine=local",
        f"--knowledge={run.knowledge.path}",
        "--learn",
        "--team=compute",
        "--limit=50",
        "--target-precision=0.9",
    ]
    assert str(run.key) in str(folder)


def test_a_plain_run_asks_for_no_more_than_it_needs(manager):
    run = queued_run(manager, knowledge=None, learn=False, auto_approve=False)
    argv = supervisor.replay_command(run)
    assert argv[-1] == "--engine=local"
    environment = supervisor.replay_environment()
    assert environment["DJANGO_SETTINGS_MODULE"] == "vigil_site.settings_test"
    assert environment["PYTHONUNBUFFERED"] == "1"


# --- The task, driving the real command ---


@pytest.mark.django_db(transaction=True)
def test_the_task_replays_through_the_real_command_and_stores_the_report(
    manager, team, subprocess_uses_the_test_database
):
    # Through the service as the form calls it: committed, the task runs (tests run tasks
    # inline) and drives `manage.py replay` in a subprocess.
    run = services.replay_run_create(
        actor=manager,
        conversations=SimpleUploadedFile("march.jsonl", CONVERSATIONS.read_bytes()),
        knowledge=SimpleUploadedFile("kb.jsonl", KNOWLEDGE.read_bytes()),
        engine="local",
        learn=True,
        auto_approve=True,
        team=team,
        limit=None,
        target_precision=0.9,
    )
    run.refresh_from_db()
    assert run.status == Status.WARNINGS, run.error  # line 3 is not JSON: exit status 1
    assert run.error == ""
    assert run.warnings == [{"line": 3, "message": "not valid JSON (Expecting value at column 1)"}]
    assert (run.conversations_done, run.messages_done) == (4, 6)
    assert run.rate > 0
    assert run.started_at <= run.finished_at
    assert run.pid is not None
    assert run.worker_pid is not None
    report = run.report
    assert report["options"] == {
        "file": "march.jsonl",
        "knowledge": "kb.jsonl",
        "engine": "local",
        "learn": True,
        "auto_approve": True,
        "team": "Compute",
        "limit": None,
        "target_precision": 0.9,
        "interrupted": False,
    }
    assert report["customer_messages"] == 6
    assert report["ground_truth"]["answerable"] == 4
    assert report["learned"]["entries"] >= 1
    rows = processes.results_path(run).read_text().splitlines()
    assert sum(1 for row in rows if "decision" in json.loads(row)) == 6
    assert replay_databases() == 0  # the replay's own database is gone


@pytest.mark.django_db(transaction=True)
def test_cancelling_stops_the_subprocess_and_keeps_what_was_replayed(
    client, manager, tmp_path, subprocess_uses_the_test_database
):
    # Enough conversations that the replay is still busy when it is cancelled (400 were done
    # within the second a cancel may take to be seen, on a fast machine).
    lines = [json.loads(x) for x in CONVERSATIONS.read_text().splitlines() if x.startswith("{")]
    many = tmp_path / "many.jsonl"
    many.write_text(
        "".join(json.dumps({**lines[i % 4], "id": f"c-{i}"}) + "\n" for i in range(4000))
    )
    run = queued_run(manager, many)
    worker = threading.Thread(target=_execute, args=(run.pk,))
    worker.start()
    try:
        _wait_until(lambda: ReplayRun.objects.get(pk=run.pk).conversations_done >= 1)
        client.force_login(manager)
        response = client.post(reverse("replay:replay_cancel", args=[run.pk]))
        assert response.status_code == 302
    finally:
        worker.join(timeout=120)
    assert not worker.is_alive()
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.cancel_requested
    assert run.report is not None, run.error  # what the subprocess said, when it says nothing
    assert run.report["options"]["interrupted"] is True
    assert 1 <= run.report["conversations"] < 4000
    assert run.conversations_done == run.report["conversations"]
    assert not psutil.pid_exists(run.pid)
    assert replay_databases() == 0


def _execute(run_id):
    try:
        supervisor.replay_run_execute(run_id)
    finally:
        connections.close_all()


def _wait_until(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the replay made no progress"
        time.sleep(0.2)


def test_a_replay_that_cannot_start_fails_with_the_commands_message(manager):
    run = queued_run(manager)
    Path(run.conversations.path).unlink()
    assert supervisor.replay_run_execute(run.pk) == f"replay #{run.pk}: failed"
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert run.error.startswith("The replay stopped with exit status 1.")
    assert "is not a file" in run.error
    assert run.report is None
    assert run.finished_at is not None


def test_a_task_delivered_twice_replays_once(manager):
    run = queued_run(manager)
    ReplayRun.objects.filter(pk=run.pk).update(status=Status.RUNNING)
    assert supervisor.replay_run_execute(run.pk) == f"replay #{run.pk} was not waiting to run"
    assert ReplayRun.objects.get(pk=run.pk).pid is None


def test_a_run_whose_worker_died_is_cancelled_at_once(manager):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = queued_run(manager)
    ReplayRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING,
        started_at=timezone.now(),
        host=socket.gethostname(),
        worker_pid=dead.pid,
    )
    run = services.replay_run_cancel(run=ReplayRun.objects.get(pk=run.pk))
    assert run.status == Status.CANCELLED
    assert "worker running this replay had stopped" in run.error


def test_a_run_on_another_machine_is_left_to_its_task(manager):
    run = queued_run(manager)
    ReplayRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, started_at=timezone.now(), host="elsewhere", worker_pid=1
    )
    run = services.replay_run_cancel(run=ReplayRun.objects.get(pk=run.pk))
    assert run.status == Status.RUNNING
    assert run.cancel_requested
