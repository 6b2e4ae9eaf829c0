"""Whether the background task worker was given up on, as `run_vigil` last saw it.

`run_vigil` supervises the worker; when it stops restarting it after repeated crashes it writes a
small file beside the data, and removes it when Vigil starts or stops. Pages read it to say that
the copilot cannot help meanwhile. Without the file (all is well, or the worker runs elsewhere)
nothing is known and nothing is said.
"""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

FILE_NAME = "worker-stopped.json"


@dataclass(frozen=True)
class StoppedWorker:
    since: dt.datetime
    reason: str


def _path() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def worker_given_up(*, reason: str) -> None:
    """Record that the worker is not running and will not be started again."""
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"since": timezone.now().isoformat(), "reason": reason}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body))
    temporary.replace(path)  # readers never see half a file


def worker_status_clear() -> None:
    _path().unlink(missing_ok=True)


def stopped_worker() -> StoppedWorker | None:
    """The worker given up on, if it was; None when nothing says so."""
    try:
        body = json.loads(_path().read_text())
        return StoppedWorker(since=dt.datetime.fromisoformat(body["since"]), reason=body["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
