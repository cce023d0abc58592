"""The correlation table: which process each kind of inbound event starts or advances.

Process keys, message names and correlation keys belong to the processes, which
may be renamed; so they live here, as data, not in the correlation code.
``CLIENTFLOW_INTEGRATION_RULES`` may name a JSON file that overrides any entry
(``{"unknown_caller": {"process": "my_leads"}, "support_address": "help@x.test"}``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RULES_ENV = "CLIENTFLOW_INTEGRATION_RULES"


@dataclass(frozen=True)
class StartRule:
    """Start ``process``; ``data`` maps process variables to event fields, plus ``constants``."""

    process: str
    data: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageRule:
    """Send ``message`` correlated by ``key`` (the process's ``correlationKeys``)."""

    message: str
    key: str
    payload: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """Every decision the correlation makes, with the defaults the shipped processes use."""

    call_on_open_case: MessageRule = MessageRule(
        "customer_call",
        "case_number",
        {"call_from": "from", "call_type": "type", "call_id": "call_id"},
    )
    unknown_caller: StartRule = StartRule(
        "lead_qualification", {"phone": "from", "call_id": "call_id"}, {"channel": "phone"}
    )
    missed_call: StartRule = StartRule(
        "integration_callback",
        {"phone": "from", "owner": "owner", "customer_id": "customer_id"},
    )
    reply_to_case: MessageRule = MessageRule(
        "customer_reply",
        "case_number",
        {
            "reply_text": "summary",
            "reply_subject": "subject",
            "reply_from": "from",
            # the email's interaction: the case links it rather than logs it again
            "reply_external_id": "external_id",
        },
        {"solved": None, "satisfaction": None},  # the process reads them from the text
    )
    reply_to_quote: MessageRule = MessageRule(
        "quote_reply",
        "quote_number",
        {
            "reply_text": "summary",
            "reply_subject": "subject",
            "reply_from": "from",
            "reply_external_id": "external_id",
        },
    )
    reply_to_lead: MessageRule = MessageRule(
        "lead_reply",
        "lead_id",
        {
            "reply_text": "summary",
            "reply_subject": "subject",
            "reply_from": "from",
            "reply_external_id": "external_id",
        },
    )
    support_email: StartRule = StartRule(
        "complaint_resolution",
        {
            "email": "from",
            "name": "from_name",
            "subject": "subject",
            "description": "summary",
            "customer_id": "customer_id",
            "contact_id": "contact_id",
        },
        {"channel": "email"},
    )
    sales_email: StartRule = StartRule(
        "lead_qualification",
        {"email": "from", "first_name": "from_name", "subject": "subject", "notes": "summary"},
        {"channel": "email"},
    )
    interaction_process: str = "integration_interaction"
    support_address: str = "support@demo.clientflow.test"
    sales_address: str = "sales@demo.clientflow.test"
    starts_per_sender_per_hour: int = 5


def start_data(rule: StartRule, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The start data of ``rule`` filled from the event's fields."""
    return {**rule.constants, **{var: fields.get(name) for var, name in rule.data.items()}}


def message_payload(rule: MessageRule, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {**rule.constants, **{var: fields.get(name) for var, name in rule.payload.items()}}


def load_rules(path: str | None = None) -> Rules:
    """The defaults, overridden by the JSON file at ``path`` or ``CLIENTFLOW_INTEGRATION_RULES``."""
    path = path or os.environ.get(RULES_ENV)
    if not path:
        return Rules()
    try:
        overrides = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{RULES_ENV}: cannot read {path}: {exc}") from exc
    return override(Rules(), overrides)


def override(rules: Rules, overrides: Mapping[str, Any]) -> Rules:
    """``rules`` with some entries replaced; nested rule entries replace single fields."""
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in {f.name for f in dataclasses.fields(rules)}:
            raise ValueError(f"unknown correlation rule {name!r}")
        current = getattr(rules, name)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[name] = dataclasses.replace(current, **value)  # type: ignore[type-var]
        else:
            changes[name] = value
    return dataclasses.replace(rules, **changes)
