"""A private Dovecot IMAP server for the IMAP poller's tests, in a temp dir, on a free port.

Debian's ``dovecot-imapd`` runs with a generated configuration: plaintext login
(loopback only), one passwd-file user, Maildir under the temp dir owned by the
unprivileged ``nobody``. The test is skipped, with the reason, without Dovecot.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "support", "secret"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str


def missing_reason() -> str | None:
    if not Path(DOVECOT).exists():
        return f"IMAP tests skipped: {DOVECOT} not found (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "IMAP tests skipped: the private Dovecot instance needs root to start"
    return None


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
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
service imap-login {{
  chroot =
}}
"""


@contextmanager
def dovecot(root: Path, port: int) -> Iterator[ImapServer]:
    nobody = pwd.getpwnam("nobody")
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    os.chmod(root, 0o755)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=nobody.pw_uid, gid=nobody.pw_gid))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    try:
        _wait_for(port, process, root)
        yield ImapServer("127.0.0.1", port, USER, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {err}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening within 15 s")
