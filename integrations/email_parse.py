"""Reading an inbound email with the standard library: headers, bodies, attachments.

The body is untrusted bytes from anywhere: whatever the parser cannot make sense
of becomes :class:`UnreadableEvent` (a 400 at the hook), never a crash.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from .email_summary import summarise
from .errors import UnreadableEvent
from .events import InboundEvent

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMON_SENDERS = ("mailer-daemon@", "postmaster@")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: tuple[str, ...]
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    auto: str | None  # why it is an auto-reply or a bounce, or None

    @property
    def summary(self) -> str:
        return summarise(self.text or html_to_text(self.html))

    def fields(self) -> dict[str, Any]:
        """The journal payload: everything correlation needs, attachments by reference."""
        return {
            "message_id": self.message_id,
            "from": self.sender,
            "from_name": self.sender_name,
            "to": list(self.recipients),
            "subject": self.subject,
            "in_reply_to": list(self.in_reply_to),
            "summary": self.summary,
            "text": self.text[:100_000],
            "auto": self.auto,
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "sha256": a.sha256,
                 "size": len(a.content)}
                for a in self.attachments
            ],
        }  # fmt: skip


def parse_email(
    raw: bytes, envelope_from: str | None = None, envelope_to: tuple[str, ...] = ()
) -> ParsedEmail:
    """Read ``raw``; the SMTP envelope (when there is one) adds recipients and the return path."""
    if not raw.strip():
        raise UnreadableEvent("the message is empty")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise UnreadableEvent(f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        return _read(msg, raw, envelope_from, envelope_to)
    except UnreadableEvent:
        raise
    except Exception as exc:  # the stdlib parser raises many kinds on hostile input
        raise UnreadableEvent(f"the message cannot be parsed: {type(exc).__name__}") from exc


def email_event(parsed: ParsedEmail, raw: bytes, via: str) -> InboundEvent:
    return InboundEvent(
        source="email",
        provider_id=parsed.message_id,
        via=via,
        kind="email.auto" if parsed.auto else "email",
        payload=parsed.fields(),
        sender=parsed.sender,
        thread_key=None,
        raw=raw,
    )


def _read(
    msg: Message, raw: bytes, envelope_from: str | None, envelope_to: tuple[str, ...]
) -> ParsedEmail:
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    sender = sender.strip().lower()
    if "@" not in sender or len(sender) > 320:
        raise UnreadableEvent("the message has no readable From address", {"From": "required"})
    text, html, attachments = _bodies(msg)
    recipients = _recipients(msg, envelope_to)
    message_id = _message_id(msg, raw)
    subject = " ".join(str(msg.get("Subject", "")).split())[:300]
    return ParsedEmail(
        message_id=message_id,
        sender=sender,
        sender_name=name.strip()[:200],
        recipients=recipients,
        subject=subject,
        in_reply_to=_thread_ids(msg),
        text=text,
        html=html,
        attachments=attachments,
        auto=_auto_reason(msg, sender, envelope_from),
    )


def _message_id(msg: Message, raw: bytes) -> str:
    """The Message-ID, or a digest of the message when it has none (still idempotent)."""
    ids = _ids(str(msg.get("Message-ID", "")))
    if ids and len(ids[0]) <= 290:
        return ids[0]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


_ID = re.compile(r"<([^<>\s]{1,290})>")


def _ids(header: str) -> list[str]:
    return _ID.findall(header)


def _thread_ids(msg: Message) -> tuple[str, ...]:
    """In-Reply-To first, then References newest first: the likeliest parent first."""
    ids = _ids(str(msg.get("In-Reply-To", "")))
    ids += list(reversed(_ids(str(msg.get("References", "")))))
    return tuple(dict.fromkeys(ids))[:50]


def _recipients(msg: Message, envelope_to: tuple[str, ...]) -> tuple[str, ...]:
    headers = [str(v) for k in ("To", "Cc", "Delivered-To") for v in msg.get_all(k, [])]
    found = [addr.strip().lower() for _, addr in getaddresses(headers) if "@" in addr]
    found += [addr.strip().lower() for addr in envelope_to]
    return tuple(dict.fromkeys(found))[:100]


def _bodies(msg: EmailMessage) -> tuple[str, str, tuple[Attachment, ...]]:
    text = _content(msg.get_body(preferencelist=("plain",)))
    html = _content(msg.get_body(preferencelist=("html",)))
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            filename = part.get_filename() or "attachment"
            attachments.append(Attachment(filename[:200], part.get_content_type(), payload))
    return text, html, tuple(attachments)


def _content(part: Message | None) -> str:
    if part is None:
        return ""
    content = part.get_content()  # type: ignore[attr-defined]
    return content if isinstance(content, str) else ""


def _auto_reason(msg: Message, sender: str, envelope_from: str | None) -> str | None:
    """Why this message is machine-made (so it must start nothing), or None."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if envelope_from in ("", "<>") or str(msg.get("Return-Path", "")).strip() == "<>":
        return "empty return path (a bounce)"
    if msg.get_content_type() == "multipart/report" or sender.startswith(DAEMON_SENDERS):
        return "delivery report (a bounce)"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return "auto-reply header"
    return None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (for messages without a text part)."""
    if not html:
        return ""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
