"""A real IMAP server for tests: Debian's Dovecot, started with a throwaway configuration in a
temporary folder, listening on a free port of 127.0.0.1, one user with a plain password."""

import grp
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.mailservers.smtp import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "support", "imap-test-password"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def available() -> str:
    """Why Dovecot cannot run here, or "" when it can."""
    if not os.path.exists(DOVECOT):
        return "Dovecot is not installed (scripts/ensure-mail-servers.sh installs dovecot-imapd)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("dovenull")
            pwd.getpwnam("dovecot")
        except KeyError:
            return "the dovecot and dovenull users are missing (install dovecot-imapd)"
    return ""


class ImapServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # As root, Dovecot refuses to run its login and mail processes as root: they run as the
        # package's own users. As anyone else, everything runs as that user.
        if os.geteuid() == 0:
            internal, login, mail = "dovecot", "dovenull", "dovecot"
        else:
            internal = login = mail = pwd.getpwuid(os.geteuid()).pw_name
        mail_group = grp.getgrgid(pwd.getpwnam(mail).pw_gid).gr_name
        for folder in ("run", "state", "mail", "home"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                internal_user=internal,
                internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
                login_user=login,
                mail_user=mail,
                mail_group=mail_group,
            )
        )
        if os.geteuid() == 0:
            # Dovecot's own users read the configuration and the password file in here.
            os.chmod(self.root, 0o755)  # noqa: S103
            for folder in ("mail", "home"):
                shutil.chown(self.root / folder, mail, mail_group)
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                client = self.client()
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.2)
                continue
            client.logout()
            return
        self.stop()
        log = (
            (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
        )
        raise RuntimeError(f"Dovecot did not start: {log[-2000:]}")

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            client.append(folder, None, None, raw)
        finally:
            client.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            client.select(folder)
            _, found = client.uid("search", "UNSEEN")
            return len(found[0].split())
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
