"""Building test emails with the standard library, as a mail client would."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any


def email(
    body: str = "Hello",
    *,
    sender: str = "Ivan Petrov <ivan@example.com>",
    to: str = "support@demo.clientflow.test",
    subject: str = "It is broken",
    message_id: str | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    **headers: Any,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content in attachments:
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return msg
