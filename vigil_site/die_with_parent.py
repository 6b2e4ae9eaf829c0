"""Run a command that stops when the process that started it dies, even by SIGKILL.

    python -m vigil_site.die_with_parent PARENT_PID COMMAND [ARG...]

On Linux the kernel sends the command SIGTERM when its parent dies (``PR_SET_PDEATHSIG``, kept
across ``exec``): a supervisor killed outright leaves no console or task worker behind, and
they stop what they started as on any SIGTERM. If the parent is already gone when the command
would start, it does not start. Elsewhere the command simply runs.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def wrap(command: list[str]) -> list[str]:
    """``command`` run so that it stops when this process dies."""
    return [sys.executable, "-m", "vigil_site.die_with_parent", str(os.getpid()), *command]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or not argv[0].isdigit():
        sys.exit("usage: python -m vigil_site.die_with_parent PARENT_PID COMMAND [ARG...]")
    parent, command = int(argv[0]), argv[1:]
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            sys.exit(f"prctl failed: {os.strerror(ctypes.get_errno())}")
        if os.getppid() != parent:  # the parent died before the signal was asked for
            sys.exit(0)
    os.execvp(command[0], command)  # noqa: S606  (the supervisor's own commands)


if __name__ == "__main__":
    main(sys.argv[1:])
