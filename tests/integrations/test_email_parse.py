"""Reading inbound mail: bodies, attachments, the summary without quotes, machine-made mail."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from integrations import UnreadableEvent, parse_email
from integrations.email_summary import summarise

from .mail import email


def parse(msg: EmailMessage, **envelope: object) -> object:
    return parse_email(msg.as_bytes(), **envelope)  # type: ignore[arg-type]


def test_text_html_and_attachments_are_read() -> None:
    msg = email(
        "See the invoice.",
        html="<p>See the <b>invoice</b>.</p><script>x()</script>",
        attachments=[("invoice.pdf", b"%PDF-1.4 fake")],
        message_id="<abc@example.com>",
        In_Reply_To="<ours-1@demo.clientflow.test>",
        References="<ours-0@demo.clientflow.test> <ours-1@demo.clientflow.test>",
    )
    parsed = parse_email(msg.as_bytes())
    assert parsed.message_id == "abc@example.com"
    assert (parsed.sender, parsed.sender_name) == ("ivan@example.com", "Ivan Petrov")
    assert parsed.text.strip() == "See the invoice."
    assert "<b>invoice</b>" in parsed.html
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content) == ("invoice.pdf", b"%PDF-1.4 fake")
    assert parsed.in_reply_to == (
        "ours-1@demo.clientflow.test",
        "ours-0@demo.clientflow.test",
    )
    assert parsed.auto is None


def test_an_html_only_message_is_summarised_from_its_text() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content("<div>Still <b>broken</b></div><style>p {}</style>", subtype="html")
    assert parse_email(msg.as_bytes()).summary == "Still broken"


def test_the_summary_drops_quoted_replies_and_signatures() -> None:
    text = (
        "Still broken, sorry.\n\nCan you call me?\n\n-- \nIvan Petrov\nAcme\n\n"
        "On Mon, 1 Dec 2026 at 10:00, Support <support@demo.clientflow.test> wrote:\n"
        "> Your case number is CASE-000001.\n"
    )
    assert summarise(text) == "Still broken, sorry.\n\nCan you call me?"
    outlook = "Fine now.\n\n-----Original Message-----\nFrom: Support\nOld text"
    assert summarise(outlook) == "Fine now."
    inline = "> quoted line\nMy answer\n> more quote\n"
    assert summarise(inline) == "My answer"


@pytest.mark.parametrize(
    ("headers", "envelope_from", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, None, "Auto-Submitted"),
        ({"Precedence": "bulk"}, None, "Precedence"),
        ({}, "", "empty return path"),
        ({"Return_Path": "<>"}, None, "empty return path"),
        ({"X_Autoreply": "yes"}, None, "auto-reply"),
    ],
)
def test_machine_made_mail_is_recognised(
    headers: dict[str, str], envelope_from: str | None, reason: str
) -> None:
    parsed = parse_email(email(**headers).as_bytes(), envelope_from=envelope_from)
    assert parsed.auto is not None and reason in parsed.auto


def test_a_bounce_from_the_mailer_daemon_is_machine_made() -> None:
    parsed = parse_email(email(sender="MAILER-DAEMON@mx.example.com").as_bytes())
    assert parsed.auto is not None


def test_auto_submitted_no_is_a_person() -> None:
    assert parse_email(email(Auto_Submitted="no").as_bytes()).auto is None


def test_a_message_without_message_id_gets_a_stable_digest_id() -> None:
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    first, second = parse_email(raw), parse_email(raw)
    assert first.message_id == second.message_id
    assert first.message_id.startswith("sha256:")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n",
        b"Subject: no sender\r\n\r\nx",
        b"From: not an address\r\n\r\nx",
        b"\x00\xff" * 10,
    ],
)
def test_unreadable_messages_are_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(UnreadableEvent) as caught:
        parse_email(raw)
    assert caught.value.message


def test_envelope_recipients_count() -> None:
    msg = email(to="someone@else.example")
    parsed = parse_email(msg.as_bytes(), envelope_to=("Support@Demo.Clientflow.Test",))
    assert "support@demo.clientflow.test" in parsed.recipients
