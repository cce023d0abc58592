"""Hypothesis throws malformed JSON, forms and MIME at the hooks (correctly signed, so the
bodies get read): never a 5xx, a clear 400 for what cannot be read, and a second delivery
of anything accepted is a duplicate, never a second journal row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from integrations.models import IntegrationEvent
from tests.integrations.conftest import count
from tests.integrations.mail import email

from .conftest import post_signed, post_twilio

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
call_fields = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.one_of(st.text(max_size=300), scalars),
        "type": st.sampled_from(["ringing", "answered", "missed", "ended", "boom", ""]) | scalars,
        "call_id": st.one_of(st.text(max_size=250), scalars),
        "from": st.one_of(st.text(max_size=80), st.just("+79123456789"), scalars),
        "to": st.one_of(st.text(max_size=80), scalars),
        "direction": st.sampled_from(["inbound", "outbound", "sideways"]) | scalars,
        "at": st.one_of(st.text(max_size=40), st.just("2026-12-01T10:00:00+03:00"), scalars),
        "duration": st.one_of(st.integers(-5, 100_000), scalars),
        "recording_url": st.one_of(st.text(max_size=40), st.just("https://r.test/1"), scalars),
        "parent_call_id": scalars,
        "extra": json_values,
    },
)
json_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    call_fields.map(lambda v: json.dumps(v).encode()),
)
twilio_forms = st.fixed_dictionaries(
    {},
    optional={
        "CallSid": st.text(max_size=80),
        "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "no-answer", "x"])
        | st.text(max_size=15),
        "From": st.text(max_size=30),
        "To": st.text(max_size=30),
        "Direction": st.text(max_size=15),
        "CallDuration": st.text(max_size=8),
        "ParentCallSid": st.text(max_size=40),
        "Timestamp": st.text(max_size=40),
    },
)
header_names = st.sampled_from(
    ["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Content-Type",
     "Content-Transfer-Encoding", "MIME-Version", "Auto-Submitted", "X-Junk"]
)  # fmt: skip
header_lines = st.lists(st.tuples(header_names, st.binary(max_size=60)), max_size=8).map(
    lambda pairs: b"".join(name.encode() + b": " + value + b"\r\n" for name, value in pairs)
)
mime_bodies = st.one_of(
    st.binary(max_size=300),
    st.tuples(header_lines, st.binary(max_size=200)).map(lambda hb: hb[0] + b"\r\n" + hb[1]),
    st.tuples(st.integers(0, 400), st.binary(max_size=20)).map(
        lambda cut: _mutilated(cut[0], cut[1])
    ),
)


MULTIPART = email(
    "Body text", html="<p>x</p>", attachments=[("a.pdf", b"%PDF")], message_id="<m@x.test>"
).as_bytes()  # built once: its MIME boundary is random


def _mutilated(at: int, junk: bytes) -> bytes:
    """A real multipart message with bytes cut out and junk put in."""
    return MULTIPART[:at] + junk + MULTIPART[at + len(junk) :]


def check(first: Any, second: Any) -> None:
    # 200 at first: an earlier example already delivered this very event (same database)
    assert first.status_code in (200, 202, 400), (first.status_code, first.get_data()[:300])
    if first.status_code == 400:
        assert first.json["error"] == "unreadable" and first.json["message"]
        assert second.status_code == 400
    else:
        assert second.status_code == 200, second.get_data()[:300]
        assert second.json["event_id"] == first.json["event_id"]


@pytest.fixture
def fuzz_client(app: Flask) -> FlaskClient:
    return app.test_client()


@SETTINGS
@given(body=json_bodies)
def test_telephony_hook_fuzz(fuzz_client: FlaskClient, engine: Engine, body: bytes) -> None:
    before = count(engine, IntegrationEvent)
    first = post_signed(fuzz_client, "/hooks/telephony", body, "application/json")
    second = post_signed(fuzz_client, "/hooks/telephony", body, "application/json")
    check(first, second)
    assert count(engine, IntegrationEvent) - before <= 1


@SETTINGS
@given(form=twilio_forms)
def test_twilio_hook_fuzz(fuzz_client: FlaskClient, engine: Engine, form: dict[str, str]) -> None:
    before = count(engine, IntegrationEvent)
    check(post_twilio(fuzz_client, form), post_twilio(fuzz_client, form))
    assert count(engine, IntegrationEvent) - before <= 1


@SETTINGS
@given(raw=mime_bodies)
def test_email_hook_fuzz(fuzz_client: FlaskClient, engine: Engine, raw: bytes) -> None:
    before = count(engine, IntegrationEvent)
    first = post_signed(fuzz_client, "/hooks/email", raw, "message/rfc822")
    second = post_signed(fuzz_client, "/hooks/email", raw, "message/rfc822")
    check(first, second)
    assert count(engine, IntegrationEvent) - before <= 1
