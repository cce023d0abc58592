"""Polling a mailbox over IMAP (optional; for providers that cannot forward by SMTP).

Each poll reads the messages not yet seen, journals them (an email already
journaled through SMTP or the hook is the same event: the Message-ID is the
key) and only then flags them ``\\Seen``, so a crash between the two reads them
again and the journal ignores the repeat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient

from .email_parse import email_event, parse_email
from .errors import NotConfigured, UnreadableEvent
from .service import Integrations

log = logging.getLogger(__name__)

IMAP_URL_ENV = "CLIENTFLOW_IMAP_URL"
BATCH = 50


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    ssl: bool = False

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        """``imap://user:pass@host:143/INBOX`` or ``imaps://user:pass@host:993/INBOX``."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise NotConfigured(
                f"{IMAP_URL_ENV} must look like imaps://user:password@host:993/INBOX, not {url!r}"
            )
        ssl = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if ssl else 143),
            username=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.strip("/")) or "INBOX",
            ssl=ssl,
        )


@dataclass
class PollReport:
    journaled: int = 0
    duplicates: int = 0
    unreadable: int = 0


def poll(service: Integrations, mailbox: Mailbox) -> PollReport:
    """Journal every unseen message of the mailbox, then mark it seen."""
    report = PollReport()
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.ssl, timeout=30) as client:
        client.login(mailbox.username, mailbox.password)
        client.select_folder(mailbox.folder)
        uids = client.search(["UNSEEN"])
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if isinstance(raw, bytes):
                    _journal(service, raw, report)
            client.add_flags(chunk, [b"\\Seen"])
    return report


def _journal(service: Integrations, raw: bytes, report: PollReport) -> None:
    try:
        event = email_event(parse_email(raw), raw, via="imap")
    except UnreadableEvent as exc:
        log.warning("skipping an unreadable message in the mailbox: %s", exc.message)
        report.unreadable += 1
        return
    _, created = service.ingest(event)
    if created:
        report.journaled += 1
    else:
        report.duplicates += 1
