"""``clientflow outbox``: list the outbound queue, and retry an email that failed for good."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from clientflow_cli.main import cli
from engine import Engine
from tests.integrations.conftest import build_engine
from tests.integrations.servers import capturing_relay
from tests.web.operations.breakage import failed_message, status_of


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Engine]:
    """A database with the integrations' stand-in processes; the commands run on it."""
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", db_url)
    for name in ("CLIENTFLOW_BROKER_URL", "CLIENTFLOW_SMTP_URL", "CLIENTFLOW_MAIL_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    eng = build_engine(db_url)
    yield eng
    eng.db.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_list_shows_the_failed_email_with_its_error(engine: Engine) -> None:
    assert run("outbox", "list").output.strip() == "the outbox is empty"
    outbox_id = failed_message(engine)
    listed = run("outbox", "list", "--failed")
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert line.split()[:3] == [str(outbox_id), "failed", "5x"]
    assert "ivan@example.com" in line and "Connection" in line
    assert str(outbox_id) in run("outbox", "list", "--limit", "1").output
    assert run("outbox", "list", "--limit", "0").exit_code == 2  # click names the range


def test_retry_with_a_mail_server_sends_it_and_a_second_retry_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox_id = failed_message(engine)
    with capturing_relay() as (captured, port):
        monkeypatch.setenv("CLIENTFLOW_SMTP_URL", f"smtp://127.0.0.1:{port}")
        retried = run("outbox", "retry", str(outbox_id))
    assert retried.exit_code == 0, retried.output
    assert retried.output.strip() == f"message {outbox_id}: sent"
    [sent] = captured.messages
    assert sent["To"] == "ivan@example.com"
    assert status_of(engine, outbox_id) == "sent"
    again = run("outbox", "retry", str(outbox_id))
    assert again.exit_code == 1
    assert f"outbox message {outbox_id} is sent, not failed" in again.output


def test_retry_without_outbound_mail_queues_it_for_the_sweep(engine: Engine) -> None:
    outbox_id = failed_message(engine)
    retried = run("outbox", "retry", str(outbox_id))
    assert retried.exit_code == 0, retried.output
    assert "queued; the outbox sweep delivers it" in retried.output
    assert status_of(engine, outbox_id) == "queued"
    [line] = run("outbox", "list").output.splitlines()
    assert line.split()[:3] == [str(outbox_id), "queued", "0x"]
    assert "Connection" in line  # the last error stays in sight until the next attempt
    assert run("outbox", "list", "--failed").output.strip() == "no failed messages"


def test_retry_of_an_unknown_id_says_so(engine: Engine) -> None:
    missing = run("outbox", "retry", "987654")
    assert missing.exit_code == 1
    assert "no outbox message has id 987654" in missing.output
    assert run("outbox", "retry", "x").exit_code == 2  # not a number: click's usage error
