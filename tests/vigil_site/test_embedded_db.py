import os
import threading
import time

from vigil_site import embedded_db


def postmaster_pid(pgdata, status: str, pid: int | None = None) -> None:
    """PostgreSQL's own ``postmaster.pid`` layout, for a server of process ``pid``."""
    lines = [str(pid or os.getpid()), str(pgdata), "1712346200", "", str(pgdata), "", "0 0", status]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")


def test_a_start_waits_for_a_server_still_stopping(tmp_path):
    postmaster_pid(tmp_path, "stopping")

    def stopped() -> None:
        time.sleep(0.6)
        (tmp_path / "postmaster.pid").unlink()

    threading.Thread(target=stopped).start()
    started = time.monotonic()
    embedded_db.wait_until_settled(tmp_path, wait_s=10)
    assert 0.5 < time.monotonic() - started < 5


def test_a_ready_server_a_dead_one_or_none_is_not_waited_for(tmp_path):
    started = time.monotonic()
    embedded_db.wait_until_settled(tmp_path, wait_s=10)  # no server
    postmaster_pid(tmp_path, "ready")
    embedded_db.wait_until_settled(tmp_path, wait_s=10)
    postmaster_pid(tmp_path, "stopping", pid=2**22 + 12345)  # no such process
    embedded_db.wait_until_settled(tmp_path, wait_s=10)
    assert time.monotonic() - started < 5  # waiting would take 10 s


def test_it_waits_no_longer_than_it_is_told(tmp_path, caplog):
    postmaster_pid(tmp_path, "starting")
    started = time.monotonic()
    embedded_db.wait_until_settled(tmp_path, wait_s=0.5)
    assert 0.5 <= time.monotonic() - started < 3
    assert "the embedded database is starting; waiting for it" in caplog.text
