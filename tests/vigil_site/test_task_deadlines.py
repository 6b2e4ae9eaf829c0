"""django-q2's deadlines, as the settings compute them from the environment (docs/benchmarks.md,
"Background tasks")."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

READ = "import json, vigil_site.settings as s; print(json.dumps(s.Q_CLUSTER))"


def q_cluster(**env: str) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@localhost/nothing",  # parsed, never connected to
        "DJANGO_SECRET_KEY": "test",
        "VIGIL_LLM_MODEL": "",
        **env,
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_without_an_llm_a_killed_workers_task_comes_back_within_a_minute():
    deadlines = q_cluster()
    assert deadlines["timeout"] == 30
    assert deadlines["retry"] == 60


@pytest.mark.parametrize(("timeout", "retries"), [("30", "2"), ("60", "0")])
def test_with_an_llm_a_copilot_run_has_time_for_two_model_calls_at_their_worst(timeout, retries):
    deadlines = q_cluster(
        VIGIL_LLM_MODEL="openai/gpt-4o-mini", VIGIL_LLM_TIMEOUT=timeout, VIGIL_LLM_RETRIES=retries
    )
    tries = 1 + int(retries)
    assert deadlines["timeout"] > 2 * tries * int(timeout)
    # Handed out again only after the worker that took it would have ended it.
    assert deadlines["retry"] > deadlines["timeout"]


def test_a_task_that_keeps_failing_is_not_tried_forever():
    assert 0 < q_cluster()["max_attempts"] <= 5
