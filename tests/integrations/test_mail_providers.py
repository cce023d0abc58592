"""Outbound mail through a provider: SMTP (the default) to a real SMTP server, and the
generic HTTP mail API to a real HTTP server; refusals are retried, then left failed in
sight, and the Message-ID a reply threads by is kept whichever provider sent it."""

from __future__ import annotations

import base64
import json
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from crm.models import OutboxMessage
from engine import Engine
from integrations import Integrations, NotConfigured, ProviderError, email_event, parse_email
from integrations import outbox as delivery
from integrations.mail_providers import (
    HttpMailApi,
    SmtpRelay,
    env_config,
    mail_configured,
    provider_from_config,
)
from integrations.signing import verify
from tests.web.hooks.conftest import make_app

from .conftest import claims, open_complaint, seed_contact
from .mail import email
from .servers import StandIn, capturing_relay, free_port, http_stand_in

API_SECRET = "mail-api-secret"


def outbox(engine: Engine) -> list[OutboxMessage]:
    with engine.session() as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def complaint_acknowledged(engine: Engine) -> dict[str, Any]:
    """Ivan's complaint: its step queued the acknowledgement (with our Message-ID)."""
    seed_contact(engine, first_name="Ivan", email="ivan@example.com", company="Acme")
    return open_complaint(engine, "ivan@example.com")


def http_provider(api: StandIn) -> HttpMailApi:
    provider = provider_from_config(
        {"MAIL_PROVIDER": "http", "MAIL_API_URL": api.url + "/send", "MAIL_API_SECRET": API_SECRET}
    )
    assert isinstance(provider, HttpMailApi)
    return provider


def reply_reaches_the_case(service: Integrations, message_id: str, number: str) -> None:
    """A reply threaded by ``In-Reply-To`` alone (no case number) reaches the case."""
    raw = email("still broken", subject="Re: hello", In_Reply_To=message_id).as_bytes()
    service.ingest(email_event(parse_email(raw), raw, via="hook"))
    [reply] = [outcome for key, outcome in claims(service.engine).items() if key.endswith(":reply")]
    assert reply["outcome"] == "delivered", number


def test_smtp_is_the_default_and_relays_with_our_message_id(
    service: Integrations, engine: Engine
) -> None:
    complaint = complaint_acknowledged(engine)
    [queued] = outbox(engine)
    with capturing_relay() as (captured, port):
        provider = provider_from_config({"SMTP_URL": f"smtp://127.0.0.1:{port}"})
        assert isinstance(provider, SmtpRelay) and provider.name == "smtp"
        assert delivery.deliver_due(engine.db, provider.send) == {"sent": 1}
    [sent] = captured.messages
    assert sent["Message-ID"] == queued.message_id
    [row] = outbox(engine)
    assert (row.status, row.provider_id, row.message_id) == ("sent", queued.message_id,
                                                             queued.message_id)  # fmt: skip
    reply_reaches_the_case(service, queued.message_id, complaint["data"]["case_number"])


class Refusing:
    """An SMTP server that refuses every message after DATA, as a spam filter does."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected as spam"


def test_an_smtp_refusal_is_a_provider_error_the_outbox_retries(engine: Engine) -> None:
    complaint_acknowledged(engine)
    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        relay = SmtpRelay.from_url(f"smtp://127.0.0.1:{port}")
        [row] = outbox(engine)
        with pytest.raises(ProviderError, match=r"refused the message: 554 5\.7\.1"):
            relay.send(delivery.as_email(row))
        assert delivery.deliver_due(engine.db, relay.send) == {"retrying": 1}
    finally:
        controller.stop()
    [row] = outbox(engine)
    assert row.status == "queued" and row.next_attempt_at is not None
    assert row.last_error == f"the SMTP relay 127.0.0.1:{port} refused the message: 554 5.7.1" \
        " Message rejected as spam"  # fmt: skip


def test_the_http_api_gets_a_signed_message_and_its_id_is_kept(
    service: Integrations, engine: Engine
) -> None:
    complaint = complaint_acknowledged(engine)
    [queued] = outbox(engine)
    with http_stand_in({"id": "api-msg-1"}, status=202) as api:
        assert delivery.deliver_due(engine.db, http_provider(api).send) == {"sent": 1}
    [request] = api.requests
    assert request["path"] == "/send"
    verify(API_SECRET, request["body"], request["headers"]["X-Clientflow-Signature"])
    assert request["headers"]["Idempotency-Key"] == queued.message_id
    sent = json.loads(request["body"])
    assert (sent["message_id"], sent["to"], sent["cc"]) == (queued.message_id,
                                                            ["ivan@example.com"], [])  # fmt: skip
    number = complaint["data"]["case_number"]
    assert number in sent["subject"] and number in sent["text"]
    mime = message_from_bytes(base64.b64decode(sent["raw"]), policy=policy.default)
    assert (mime["Message-ID"], mime["To"]) == (queued.message_id, "ivan@example.com")
    [row] = outbox(engine)
    assert (row.status, row.provider_id, row.message_id) == ("sent", "api-msg-1",
                                                             queued.message_id)  # fmt: skip
    reply_reaches_the_case(service, queued.message_id, number)


def test_an_http_refusal_is_retried_and_then_delivered(
    service: Integrations, engine: Engine
) -> None:
    complaint = complaint_acknowledged(engine)
    with http_stand_in({"error": "sending quota exceeded"}, status=429) as api:
        provider = http_provider(api)
        assert delivery.deliver_due(engine.db, provider.send) == {"retrying": 1}
        [row] = outbox(engine)
        assert row.last_error == (
            "the mail API refused the message: HTTP 429 Too Many Requests: sending quota exceeded"
        )
        assert delivery.deliver_due(engine.db, provider.send) == {}  # held back until then
        api.status, api.answer = 200, b"queued"  # taken, without a JSON id
        assert delivery.deliver_one(engine.db, row.id, provider.send) == "sent"
    assert len(api.requests) == 2
    ids = {json.loads(r["body"])["message_id"] for r in api.requests}
    [row] = outbox(engine)
    assert ids == {row.message_id}  # the retry is the same message, so the API may drop it
    assert (row.status, row.attempts, row.provider_id) == ("sent", 2, row.message_id)
    reply_reaches_the_case(service, row.message_id, complaint["data"]["case_number"])


def test_an_http_api_that_keeps_refusing_leaves_the_message_failed_in_sight(
    engine: Engine,
) -> None:
    complaint_acknowledged(engine)
    unreachable = HttpMailApi(f"http://127.0.0.1:{free_port()}/send", API_SECRET, timeout=2)
    assert delivery.deliver_due(engine.db, unreachable.send) == {"retrying": 1}
    [row] = outbox(engine)
    with http_stand_in({"message": "domain not verified"}, status=403) as api:
        results = [
            delivery.deliver_one(engine.db, row.id, http_provider(api).send)
            for _ in range(delivery.MAX_ATTEMPTS - 1)
        ]
    assert results == ["retrying"] * (delivery.MAX_ATTEMPTS - 2) + ["failed"]
    [shown] = delivery.failed_messages(engine.db)
    assert (shown["to"], shown["attempts"]) == ("ivan@example.com", delivery.MAX_ATTEMPTS)
    assert shown["error"] == "the mail API refused the message: HTTP 403 Forbidden:" \
        " domain not verified"  # fmt: skip
    assert delivery.deliver_one(engine.db, row.id, unreachable.send) == "not_queued"


def test_the_provider_setting_says_what_is_missing_or_wrong() -> None:
    with pytest.raises(NotConfigured, match="CLIENTFLOW_SMTP_URL"):
        provider_from_config({})
    with pytest.raises(
        NotConfigured, match="set CLIENTFLOW_MAIL_API_URL and CLIENTFLOW_MAIL_API_SECRET"
    ):
        provider_from_config({"MAIL_PROVIDER": "http"})
    with pytest.raises(NotConfigured, match="must be an http"):
        provider_from_config(
            {"MAIL_PROVIDER": "http", "MAIL_API_URL": "ftp://x", "MAIL_API_SECRET": "s"}
        )
    with pytest.raises(NotConfigured, match="neither 'smtp', 'http' nor a module"):
        provider_from_config({"MAIL_PROVIDER": "pigeon"})
    with pytest.raises(NotConfigured, match="has no from_config"):
        provider_from_config({"MAIL_PROVIDER": "integrations.mail_providers.base"})
    by_module = provider_from_config(
        {"MAIL_PROVIDER": "integrations.mail_providers.http_api",
         "MAIL_API_URL": "https://mail.test/v1", "MAIL_API_SECRET": "s"}
    )  # fmt: skip
    assert isinstance(by_module, HttpMailApi) and by_module.url == "https://mail.test/v1"
    assert not mail_configured({}) and mail_configured({"SMTP_URL": "smtp://x"})
    assert mail_configured({"MAIL_PROVIDER": "http"})
    assert env_config({"CLIENTFLOW_MAIL_PROVIDER": "http", "HOME": "/root"}) == {
        "MAIL_PROVIDER": "http"
    }


def test_the_web_app_delivers_through_the_configured_provider_right_after_the_step(
    engine: Engine, tmp_path: Path, no_delivery_afterwards: None
) -> None:
    with http_stand_in({"id": "api-7"}) as api:
        make_app(engine, tmp_path, MAIL_PROVIDER="http", MAIL_API_URL=api.url,
                 MAIL_API_SECRET=API_SECRET)  # fmt: skip
        complaint_acknowledged(engine)
    [row] = outbox(engine)
    assert (row.status, row.provider_id) == ("sent", "api-7")
    assert [json.loads(r["body"])["message_id"] for r in api.requests] == [row.message_id]
