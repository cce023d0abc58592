"""Fixtures of the hook tests: the real app over a real database, signing like providers do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from engine import Engine
from integrations import sign
from tests.integrations.conftest import SECRET, TWILIO_TOKEN, build_engine
from web import create_app

TWILIO_URL = "http://localhost/hooks/twilio/voice"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = build_engine(db_url)
    yield eng
    eng.db.dispose()


def make_app(engine: Engine, tmp_path: Path, **config: Any) -> Flask:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "HOOK_SECRET": SECRET,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        **config,
    }
    return create_app(engine, settings)


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> Flask:
    return make_app(engine, tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def call_body(**fields: Any) -> bytes:
    event = {
        "event_id": "ev-1",
        "type": "ringing",
        "call_id": "call-1",
        "from": "+7 912 345 67 89",
        "to": "+74950000000",
        "direction": "inbound",
        **fields,
    }
    return json.dumps(event).encode()


def post_signed(client: FlaskClient, path: str, body: bytes, content_type: str) -> Any:
    headers = {"X-Clientflow-Signature": sign(SECRET, body)}
    return client.post(path, data=body, content_type=content_type, headers=headers)


def post_call(client: FlaskClient, **fields: Any) -> Any:
    return post_signed(client, "/hooks/telephony", call_body(**fields), "application/json")


def post_email(client: FlaskClient, raw: bytes) -> Any:
    return post_signed(client, "/hooks/email", raw, "message/rfc822")


def post_twilio(client: FlaskClient, form: dict[str, str], token: str = TWILIO_TOKEN) -> Any:
    signature = RequestValidator(token).compute_signature(TWILIO_URL, form)
    return client.post(TWILIO_URL, data=form, headers={"X-Twilio-Signature": signature})
