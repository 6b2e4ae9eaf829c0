import os
import signal
import sys
import time

import psutil
import pytest
import redis

from vigil_site.embedded_redis import start_embedded_redis, stop_embedded_redis
from vigil_site.supervision import Child, RestartPolicy, describe_exit


def test_it_pauses_longer_after_each_fast_crash_and_gives_up_after_the_last():
    policy = RestartPolicy(max_crashes=5, stable_after=60)
    pauses = [policy.after_crash(ran_for=3) for _ in range(5)]
    assert pauses == [1, 2, 4, 8, None]


def test_a_crash_after_a_stable_run_starts_afresh():
    policy = RestartPolicy(max_crashes=3, stable_after=60)
    assert [policy.after_crash(ran_for=3) for _ in range(2)] == [1, 2]
    assert policy.after_crash(ran_for=3600) == 1
    assert [policy.after_crash(ran_for=3) for _ in range(3)] == [1, 2, None]


def test_the_pause_has_a_ceiling():
    policy = RestartPolicy(max_crashes=100, max_pause=30)
    assert [policy.after_crash(ran_for=0) for _ in range(8)][-1] == 30


@pytest.mark.parametrize("waitid", [True, False], ids=["linux", "without-waitid"])
def test_stopping_a_child_stops_what_it_started_even_after_the_leader_died(waitid, monkeypatch):
    if not waitid:
        monkeypatch.delattr(os, "waitid")
    # A leader that starts a grandchild which ignores SIGTERM, then is killed itself: the
    # grandchild is an orphan that only its process group still ties to the leader.
    script = (
        "import signal, subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)']); "
        "time.sleep(600)"
    )
    child = Child("test", [sys.executable, "-c", script], env={})
    child.start()
    leader = psutil.Process(child.pid)
    grandchild = wait_for_child(leader)
    leader.kill()
    deadline = time.monotonic() + 10
    while not child.exited() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert grandchild.is_running()

    assert describe_exit(child.finish(deadline=0)) == "killed by SIGKILL"
    grandchild.wait(timeout=10)


def test_stopping_asks_politely_first():
    child = Child("test", [sys.executable, "-c", "import time; time.sleep(600)"], env={})
    child.start()
    time.sleep(0.3)
    child.terminate()
    assert child.finish(deadline=time.monotonic() + 10) == -signal.SIGTERM


def test_the_embedded_redis_stops_although_a_dead_process_left_a_connection(tmp_path):
    client, url = start_embedded_redis(tmp_path)
    pid = client.pid
    leftover = redis.Redis(unix_socket_path=url.removeprefix("unix://"))
    leftover.ping()

    stop_embedded_redis(client)

    assert not psutil.pid_exists(pid)
    with pytest.raises(redis.exceptions.ConnectionError):
        leftover.ping()


def wait_for_child(process, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children := process.children():
            return children[0]
        time.sleep(0.05)
    raise AssertionError("no child started")


def gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_stops_when_its_supervisor_is_killed_outright(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = (
        "import sys, time\n"
        "from vigil_site.supervision import Child\n"
        f"child = Child('sleeper', [sys.executable, '-c', 'import time; time.sleep(60)'], {{}})\n"
        "child.start()\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    supervisor = psutil.Popen([sys.executable, "-c", script], env=env)
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    child = psutil.Process(int(pid_file.read_text()))
    time.sleep(0.5)  # the launcher has become the command
    assert "time.sleep(60)" in " ".join(child.cmdline())

    supervisor.kill()
    supervisor.wait(10)

    assert gone(child.pid)


def test_the_next_start_stops_an_embedded_redis_a_killed_run_left(tmp_path):
    abandoned, _ = start_embedded_redis(tmp_path)  # as if its process had been SIGKILLed
    client, url = start_embedded_redis(tmp_path)
    try:
        assert gone(abandoned.pid)
        assert redis.Redis(unix_socket_path=url.removeprefix("unix://")).ping()
    finally:
        stop_embedded_redis(client)
    assert not (tmp_path / "channels-redis.pid").exists()
