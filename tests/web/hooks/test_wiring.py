"""How the app wires the integrations: outbound mail right after the step, JSON errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from engine import Engine
from integrations.rules import load_rules
from tests.integrations.conftest import open_complaint, seed_contact
from tests.integrations.servers import capturing_relay

from .conftest import make_app


def test_with_smtp_url_a_queued_message_leaves_right_after_its_step(
    engine: Engine, tmp_path: Path, no_delivery_afterwards: None
) -> None:
    seed_contact(engine, first_name="Ivan", email="ivan@example.com", company="Acme")
    with capturing_relay() as (captured, port):
        make_app(engine, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}")
        complaint = open_complaint(engine, "ivan@example.com")
    [ack] = captured.messages
    assert complaint["data"]["case_number"] in ack["Subject"]
    assert ack["Message-ID"] == complaint["data"]["ack"]["message_id"]


def test_wrong_methods_and_paths_under_hooks_answer_json(client: FlaskClient) -> None:
    wrong_method = client.get("/hooks/telephony")
    unknown = client.post("/hooks/fax")
    assert (wrong_method.status_code, unknown.status_code) == (405, 404)
    assert wrong_method.json["error"] and unknown.json["error"]


def test_the_rules_can_be_renamed_from_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps({"unknown_caller": {"process": "new_leads"}, "sales_address": "deals@x.test"})
    )
    rules = load_rules(str(path))
    assert rules.unknown_caller.process == "new_leads"
    assert rules.unknown_caller.data["phone"] == "from"  # the rest stays
    assert rules.sales_address == "deals@x.test"
    path.write_text(json.dumps({"no_such_rule": 1}))
    with pytest.raises(ValueError, match="unknown correlation rule 'no_such_rule'"):
        load_rules(str(path))
