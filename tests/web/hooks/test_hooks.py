"""The hook contract of API.md: 202 journaled, 200 duplicate, 401 bad signature, 400 unreadable."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from crm.models import Interaction
from engine import Engine
from integrations.models import IntegrationEvent
from tests.integrations.conftest import count, events, instances_of, seed_contact

from .conftest import TWILIO_URL, call_body, post_call, post_email, post_twilio

EMAIL = (
    b"From: Ivan Petrov <ivan@example.com>\r\n"
    b"To: sales@demo.clientflow.test\r\n"
    b"Subject: Prices for 40 seats\r\n"
    b"Message-ID: <first-1@example.com>\r\n\r\n"
    b"Hello, what would 40 seats cost?\r\n"
)


def twilio_form(**fields: str) -> dict[str, str]:
    return {
        "CallSid": "CA100",
        "AccountSid": "AC1",
        "From": "+79123456789",
        "To": "+74950000000",
        "CallStatus": "ringing",
        "Direction": "inbound",
        **fields,
    }


def test_a_signed_call_event_is_journaled_then_a_repeat_is_a_duplicate(
    client: FlaskClient, engine: Engine
) -> None:
    first = post_call(client)
    again = post_call(client)
    assert (first.status_code, first.json["status"]) == (202, "journaled")
    assert (again.status_code, again.json["status"]) == (200, "duplicate")
    assert again.json["event_id"] == first.json["event_id"]
    [event] = events(engine)
    assert (event.source, event.provider_id, event.status) == ("telephony", "ev-1", "processed")
    assert event.sender == "+79123456789"  # normalised to E.164


def test_bad_or_missing_signatures_get_401_and_journal_nothing(
    client: FlaskClient, engine: Engine
) -> None:
    body = call_body()
    wrong = client.post(
        "/hooks/telephony",
        data=body,
        content_type="application/json",
        headers={"X-Clientflow-Signature": "sha256=" + "0" * 64},
    )
    missing = client.post("/hooks/telephony", data=body, content_type="application/json")
    mail = client.post("/hooks/email", data=EMAIL, content_type="message/rfc822")
    twilio = client.post(TWILIO_URL, data=twilio_form(), headers={"X-Twilio-Signature": "bogus"})
    other_token = post_twilio(client, twilio_form(), token="not-the-token")
    for response in (wrong, missing, mail, twilio, other_token):
        assert response.status_code == 401, response.json
        assert response.json["error"] == "bad_signature"
    assert count(engine, IntegrationEvent) == 0


def test_unreadable_bodies_get_400_with_the_reasons(client: FlaskClient, engine: Engine) -> None:
    not_json = post_call_raw(client, b"{not json")
    not_object = post_call_raw(client, b"[1, 2]")
    bad_fields = post_call(client, type="exploded", duration="long")
    no_from = post_email(client, b"Subject: hi\r\n\r\nbody\r\n")
    empty = post_email(client, b"")
    twilio = post_twilio(client, {"CallSid": "", "CallStatus": "weird"})
    for response in (not_json, not_object, bad_fields, no_from, empty, twilio):
        assert response.status_code == 400, response.json
        assert response.json["error"] == "unreadable"
    assert set(bad_fields.json["errors"]) == {"type", "duration"}
    assert set(twilio.json["errors"]) == {"CallSid", "CallStatus"}
    assert count(engine, IntegrationEvent) == 0


def post_call_raw(client: FlaskClient, body: bytes) -> Any:
    from .conftest import post_signed

    return post_signed(client, "/hooks/telephony", body, "application/json")


def test_twilio_callbacks_signed_by_twilios_validator_are_journaled(
    client: FlaskClient, engine: Engine
) -> None:
    ringing = post_twilio(client, twilio_form())
    repeat = post_twilio(client, twilio_form())
    assert (ringing.status_code, repeat.status_code) == (202, 200)
    [event] = events(engine)
    assert (event.source, event.provider_id, event.kind) == (
        "twilio",
        "CA100:ringing",
        "call.ringing",
    )
    assert instances_of(engine, "lead_qualification") == 1  # unknown caller


def test_the_legs_of_one_twilio_call_log_one_interaction(
    client: FlaskClient, engine: Engine
) -> None:
    seed_contact(engine, first_name="Ivan", phone="+79123456789", company="Acme")
    forms = [
        twilio_form(CallStatus="ringing"),
        twilio_form(CallStatus="in-progress"),
        twilio_form(CallSid="CA101", ParentCallSid="CA100", CallStatus="in-progress",
                    Direction="outbound-dial"),
        twilio_form(CallSid="CA101", ParentCallSid="CA100", CallStatus="completed",
                    Direction="outbound-dial", CallDuration="61"),
        twilio_form(CallStatus="completed", CallDuration="65",
                    RecordingUrl="https://api.twilio.com/rec/RE1"),
    ]  # fmt: skip
    for form in forms:
        assert post_twilio(client, form).status_code == 202
    assert count(engine, IntegrationEvent) == 5
    with engine.session() as session:
        [call] = session.query(Interaction).all()
    assert (call.kind, call.direction, call.duration_s) == ("call", "in", 65)
    assert call.recording_url == "https://api.twilio.com/rec/RE1"
    assert call.external_id == "call:CA100" and call.customer_id is not None
    assert instances_of(engine, "lead_qualification") == 0  # a known customer


def test_an_email_is_journaled_once_and_starts_lead_qualification(
    client: FlaskClient, engine: Engine
) -> None:
    assert post_email(client, EMAIL).status_code == 202
    assert post_email(client, EMAIL).status_code == 200
    [event] = events(engine)
    assert (event.source, event.provider_id, event.status) == (
        "email",
        "first-1@example.com",
        "processed",
    )
    assert instances_of(engine, "lead_qualification") == 1
    with engine.session() as session:
        [mail] = session.query(Interaction).all()
    assert (mail.kind, mail.subject, mail.sender) == (
        "email",
        "Prices for 40 seats",
        "ivan@example.com",
    )


def test_without_a_configured_secret_signed_hooks_are_refused(
    engine: Engine, tmp_path: Any
) -> None:
    from .conftest import make_app

    client = make_app(engine, tmp_path, HOOK_SECRET="").test_client()
    response = post_call(client)
    assert response.status_code == 401
    assert "CLIENTFLOW_HOOK_SECRET" in response.json["message"]
    assert count(engine, IntegrationEvent) == 0
