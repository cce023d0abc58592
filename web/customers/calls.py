"""Click-to-call from the customer card, a task page or the API: the checks, then the provider.

The caller has already been allowed to see the customer (the card's rule,
``queries.may_see``). A call goes only to a phone of that customer's contacts;
the employee's own line, rung first, comes from ``CLIENTFLOW_CALL_AGENTS`` (a JSON
object: username -> line, ``"*"`` for everyone, ``{username}`` replaced) or,
when none is set for them, from the request. A second click while the first
call is still under way is refused (``integrations.CallInProgress``); an API
request with an ``Idempotency-Key`` is placed once, however often it is sent.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app, session, url_for

import crm
from crm.models import Contact, Customer
from engine import NotFound
from integrations import NotConfigured
from integrations.outbound_calls import CallOrder, Placed, place
from integrations.providers import calling_enabled, provider_from_config

from ..auth import current_user
from ..auth.user import WebUser
from ..context import current_engine
from ..tasks.access import can_view
from ..tasks.lookups import Item

AGENTS_KEY = "CALL_AGENTS"
LINE_KEY = "call_line"  # the line a user typed last, offered again (browser session)
HOOK_ENDPOINTS = {"twilio": "hooks.twilio_voice", "telephony": "hooks.telephony"}
LINE = re.compile(r"[0-9*#]{2,20}|(?:sip|client):[^\s<>\"']{1,100}")  # extension, address


class CallInputError(Exception):
    """The request cannot be a call: ``field`` is wrong for the reason ``code`` names."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


@dataclass(frozen=True)
class Calling:
    """What the pages need: whether to show call buttons, the user's configured line
    (then nothing to ask) and the line they typed last (offered again)."""

    enabled: bool
    line: str | None
    typed: str | None


@dataclass(frozen=True)
class CallPlaced:
    """The checked request and what the provider answered."""

    order: CallOrder
    placed: Placed


def calling() -> Calling:
    """For templates: call buttons show only when a provider is configured."""
    config = current_app.config
    if not calling_enabled(config) or not current_user.is_authenticated:
        return Calling(False, None, None)
    try:
        line = agent_line(config, current_user.username)
    except NotConfigured:
        line = None  # the call itself will say what is wrong
    return Calling(True, line, session.get(LINE_KEY))


def place_call(
    user: WebUser,
    customer_id: int,
    phone: Any,
    agent: Any = None,
    task_id: Any = None,
    request_key: str | None = None,
) -> CallPlaced:
    """Check the request, then have the configured provider place it (and journal it).

    ``request_key`` (the caller's, already scoped to them) makes a repeat return
    the first call. Raises :class:`CallInputError` (bad input), ``crm.NotFoundError``
    (no such customer), ``NotConfigured``, ``CallInProgress`` and ``ProviderError``
    from the integrations.
    """
    provider = provider_from_config(current_app.config)
    number, contact_id = _contact_phone(customer_id, phone)
    line = agent_line(current_app.config, user.username) or _typed_line(agent)
    task = _task_about(user, customer_id, task_id) if task_id not in (None, "") else None
    order = CallOrder(
        customer_id=customer_id,
        contact_id=contact_id,
        phone=number,
        agent=line,
        employee=user.username,
        task_id=task,
        callback_url=callback_url(provider.source),
        request_key=request_key,
    )
    placed = place(current_engine().db, provider, order)
    return CallPlaced(placed.order, placed)


def agent_line(config: Any, username: str) -> str | None:
    """The employee's line from ``CALL_AGENTS`` (their own entry, else ``"*"``), or None."""
    agents = config.get(AGENTS_KEY) or {}
    if isinstance(agents, str):
        try:
            agents = json.loads(agents)
        except ValueError as exc:
            raise NotConfigured(f"CLIENTFLOW_{AGENTS_KEY} is not a JSON object: {exc}") from exc
    if not isinstance(agents, dict):
        raise NotConfigured(f"CLIENTFLOW_{AGENTS_KEY} must be a JSON object: username -> line")
    line = agents.get(username) or agents.get("*")
    return str(line).replace("{username}", username) if line else None


def callback_url(source: str) -> str | None:
    """Our status hook for the provider's events: ``PUBLIC_URL`` plus its path, or this host's."""
    endpoint = HOOK_ENDPOINTS.get(source)
    if endpoint is None:
        return None
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint)
    return url_for(endpoint, _external=True)


def _contact_phone(customer_id: int, phone: Any) -> tuple[str, int]:
    """The number in E.164 and the contact of this customer who has it."""
    raw = phone.strip() if isinstance(phone, str) else ""
    if not raw:
        raise CallInputError("phone", "missing_phone", "say which phone number to call")
    try:
        number = crm.normalise_phone(raw)
    except crm.InvalidPhoneError as exc:
        raise CallInputError("phone", "bad_phone", f"{raw[:40]} is not a phone number") from exc
    with current_engine().session() as session:
        if session.get(Customer, customer_id) is None:
            raise crm.NotFoundError("customer", customer_id)
        contacts: list[Contact] = crm.find_contacts_by_phone(session, number)
    mine = [c.id for c in contacts if c.customer_id == customer_id]
    if not mine:
        message = f"{number} is not the phone of a contact of customer {customer_id}"
        raise CallInputError("phone", "not_their_phone", message)
    return number, mine[0]


def _typed_line(agent: Any) -> str:
    """The line the employee typed: a phone number (as E.164), an extension, a sip:/client:
    address."""
    typed = agent.strip() if isinstance(agent, str) else ""
    if not typed:
        message = "no line is set for you in CLIENTFLOW_CALL_AGENTS: give your phone or extension"
        raise CallInputError("agent", "missing_line", message)
    try:
        return crm.normalise_phone(typed)
    except crm.InvalidPhoneError:
        pass
    line = "".join(typed.split())
    if not LINE.fullmatch(line):
        message = "your line must be a phone number, an extension or a sip:/client: address"
        raise CallInputError("agent", "bad_line", message)
    return line


def _task_about(user: WebUser, customer_id: int, task_id: Any) -> str:
    """The id of a task this user can see about this customer (the call is placed from it)."""
    refused = CallInputError(
        "task_id", "bad_task", f"no task of yours is about customer {customer_id}"
    )
    try:
        task = current_engine().task(uuid.UUID(str(task_id)))
    except (ValueError, NotFound) as exc:
        raise refused from exc
    if str(task.get("customer_id")) != str(customer_id) or not can_view(user, Item(task)):
        raise refused
    return str(task["id"])
