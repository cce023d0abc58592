"""The commands: ``clientflow smtpd`` as a real process, ``clientflow events`` on the journal."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from clientflow_cli.main import cli
from integrations.models import IntegrationEvent

from .mail import email
from .servers import free_port


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTFLOW_")}
    return {**env, "CLIENTFLOW_DATABASE_URL": url}


def test_init_db_creates_the_journal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cf.sqlite'}"
    result = CliRunner().invoke(cli, ["init-db"], env=env_for(url))
    assert result.exit_code == 0, result.output
    assert sa.inspect(sa.create_engine(url)).has_table("integration_event")


def test_clientflow_smtpd_journals_what_smtplib_sends(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cf.sqlite'}"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "clientflow_cli", "smtpd", "--port", str(port)],
        env=env_for(url),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        smtp = _connect(port, server)
        with smtp:
            smtp.send_message(
                email("hello", to="nobody@demo.clientflow.test", message_id="<s1@x.test>")
            )
    finally:
        server.terminate()
        server.wait(10)
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(sa.select(IntegrationEvent.__table__)).all()
    assert [(r.provider_id, r.via, r.status) for r in rows] == [("s1@x.test", "smtp", "processed")]

    runner = CliRunner()
    listed = runner.invoke(cli, ["events", "list"], env=env_for(url))
    assert listed.exit_code == 0 and "processed" in listed.output, listed.output
    replayed = runner.invoke(cli, ["events", "replay", str(rows[0].id)], env=env_for(url))
    assert replayed.exit_code == 0 and "sent to no address" in replayed.output, replayed.output
    missing = runner.invoke(cli, ["events", "replay", "999"], env=env_for(url))
    assert missing.exit_code == 1 and "no journaled event has id 999" in missing.output
    swept = runner.invoke(cli, ["events", "sweep", "--older-than", "0"], env=env_for(url))
    assert swept.exit_code == 0 and "0 event(s)" in swept.output


def _connect(port: int, server: subprocess.Popen[bytes]) -> smtplib.SMTP:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            out = server.stdout.read().decode() if server.stdout else ""
            raise AssertionError(f"clientflow smtpd exited: {out}")
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=10)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("clientflow smtpd did not listen within 30 s")
