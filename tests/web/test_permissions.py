"""The permission matrix: every page and API route, as each demo user and anonymously.

Routes come from ``app.url_map``, so a route added by anyone is tried without
touching this file. Path parameters are filled with ids of real data (a sales
task about a customer, its instance, a deployed process). Every combination
must answer below 500; anonymous callers get 401 (API) or a redirect to the
login page (pages); the rules in ``FORBIDDEN`` name who must get 403.

Each user gets a fresh world, so what one user changes (an admin cancelling
the instance) cannot hide what another must be refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from web import create_app

from .api.world import DEMO_USERS, World, build_world
from .operations.breakage import failed_event, failed_message

STATIC = Path(create_app.__code__.co_filename).parent / "static"
ANONYMOUS = "anonymous"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PUBLIC = {"auth.login", "health.healthz", "static", "api-docs.openapi_json", "api_auth.token"}
EVERYONE_BUT_OLGA = frozenset(DEMO_USERS) - {"olga"}
OUTSIDE_SALES = frozenset({"vera", "gleb", "dina", "egor"})  # no task about the customer
NOT_MANAGERS = frozenset({"anna", "vera", "gleb", "egor"})

# endpoint -> users who must get 403 (other users: anything below 500)
FORBIDDEN: dict[str, frozenset[str]] = {
    "api_processes.deploy": EVERYONE_BUT_OLGA,
    "api_instances.suspend": EVERYONE_BUT_OLGA,
    "api_instances.resume": EVERYONE_BUT_OLGA,
    "api_instances.cancel": EVERYONE_BUT_OLGA,
    "api_instances.retry": EVERYONE_BUT_OLGA,
    "api_messages.send": EVERYONE_BUT_OLGA,
    "api_reports.report": NOT_MANAGERS,
    "api_tasks.get_task": OUTSIDE_SALES,
    "api_tasks.claim": OUTSIDE_SALES,
    "api_tasks.unclaim": OUTSIDE_SALES,
    "api_tasks.assign": OUTSIDE_SALES | {"anna"},
    "api_tasks.complete": OUTSIDE_SALES | {"boris", "olga"},
    "api_instances.get_instance": OUTSIDE_SALES,
    "api_customers.card": OUTSIDE_SALES & NOT_MANAGERS,  # managers see every customer
    "customers.card": OUTSIDE_SALES & NOT_MANAGERS,
    "api_customers.call": OUTSIDE_SALES & NOT_MANAGERS,  # calls: the card's rule
    "customers.call": OUTSIDE_SALES & NOT_MANAGERS,
    "tasks.show": OUTSIDE_SALES,
}
# whole page areas: blueprint -> users who must get 403 on each of its routes
FORBIDDEN_AREAS = {"admin": EVERYONE_BUT_OLGA, "operations": EVERYONE_BUT_OLGA}
STOPPERS = frozenset(f"api_instances.{a}" for a in ("suspend", "resume", "cancel", "retry"))
PROCESS_OWNER_PAGES = frozenset({"processes.version_xml"})  # any signed-in user may read
MISSING: dict[str, Any] = {
    "task_id": uuid.UUID(int=1),
    "instance_id": "not-an-instance",
    "customer_id": 987_654,
    "key": "no_such_process",
    "number": 999,
    "version_id": 987_654,
    "action": "explode",
    "filename": "no-such-file.css",
    "name": "no_such_name",
    "group": "no_such_group",
    "username": "nobody",
    "event_id": 987_654,
    "message_id": 987_654,
}
# JSON bodies that get API calls past argument parsing to the permission check
BODIES: dict[str, dict[str, Any]] = {
    "api_auth.token": {"username": "anna", "password": "wrong"},
    "api_tasks.assign": {"user": "anna"},
    "api_tasks.complete": {"data": {"outcome": "reached"}},
    "api_messages.send": {"correlation": {"case_number": "CASE-1"}, "payload": {}},
    "api_customers.call": {"phone": "+79215550102"},
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    rule: Rule

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


@pytest.fixture(params=[*DEMO_USERS, ANONYMOUS])
def who(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """The API tests' world plus what the channels page lists: a failed event and email."""
    built = build_world(db_url)
    built.extra.update(event_id=failed_event(built.engine), message_id=failed_message(built.engine))
    yield built
    built.engine.db.dispose()


def test_every_route_as_every_user(world: World, who: str) -> None:
    app = world.app()
    client = app.test_client()
    headers = {} if who == ANONYMOUS else world.auth(who)
    failures = []
    calls = every_call(app, path_values(world))
    assert len(calls) >= 20
    for call in calls:
        problem = attempt(client, call, who, headers, judge)
        if problem:
            failures.append(f"{call.method} {call.path} as {who}: {problem}")
    assert not failures, "\n".join(failures)


def test_every_route_with_ids_of_nothing(world: World, who: str) -> None:
    """Unknown and malformed ids are 4xx answers, never a 500, on every route."""
    app = world.app()
    client = app.test_client()
    headers = {} if who == ANONYMOUS else world.auth(who)
    failures = []
    for call in every_call(app, MISSING):
        problem = attempt(client, call, who, headers, judge_missing)
        if problem:
            failures.append(f"{call.method} {call.path} as {who}: {problem}")
    assert not failures, "\n".join(failures)


def attempt(client: Any, call: Call, who: str, headers: dict[str, str], judge: Any) -> str | None:
    try:
        return judge(call, who, send(client, call, headers))  # type: ignore[no-any-return]
    except Exception as error:  # the test client re-raises what a view raised: a 500
        return f"server error: {type(error).__name__}: {error}"


def judge_missing(call: Call, who: str, response: TestResponse) -> str | None:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if who == ANONYMOUS and response.status_code != 404:  # 404: no route has such an id
        return _judge_anonymous(call, response)
    return None


def every_call(app: Flask, values: dict[str, Any]) -> list[Call]:
    """Reads first, then writes, and last the calls that stop the instance the others use."""
    calls = list(_calls(app, values))
    return sorted(calls, key=lambda c: (c.method != "GET", _stops_instance(c), c.path))


def _stops_instance(call: Call) -> bool:
    return call.endpoint in STOPPERS or call.endpoint.startswith("operations.")


def _calls(app: Flask, values: dict[str, Any]) -> Iterator[Call]:
    for rule in app.url_map.iter_rules():
        path = rule.build(  # type: ignore[no-untyped-call]
            {name: value_for(rule, name, values) for name in rule.arguments},
            append_unknown=False,
        )[1]
        for method in METHODS:
            if method in (rule.methods or ()):
                yield Call(method, path, rule)


def path_values(world: World) -> dict[str, Any]:
    [simple] = [p for p in world.engine.processes() if p["key"] == "simple"]
    static = sorted(p.name for p in STATIC.glob("*.css")) or ["missing.css"]
    return {
        "task_id": uuid.UUID(world.call_task),
        "instance_id": world.call_instance,
        "customer_id": world.customer_id,
        "key": "simple",
        "number": 1,
        "version_id": simple["id"],
        "action": "suspend",
        "filename": static[0],
        "group": "sales",  # a real membership: anna in sales
        "username": "anna",
        "event_id": world.extra["event_id"],  # failed: replayed (and failing again) by olga
        "message_id": world.extra["message_id"],  # failed: queued again by olga
    }


def value_for(rule: Rule, name: str, values: dict[str, Any]) -> Any:
    if name == "name" and name not in values:
        return "pipeline" if "/reports/" in rule.rule else "new_request"
    if name in values:
        return values[name]
    converter = type(rule._converters[name]).__name__  # what unknown parameters expect
    return {"UUIDConverter": uuid.uuid4(), "IntegerConverter": 1}.get(converter, "x")


def send(client: Any, call: Call, headers: dict[str, str]) -> TestResponse:
    if call.method == "GET":
        return client.open(call.path, method="GET", headers=headers)
    if call.is_api:
        body = BODIES.get(call.endpoint, {})
        return client.open(call.path, method=call.method, headers=headers, json=body)
    return client.open(call.path, method=call.method, headers=headers, data={})


def judge(call: Call, who: str, response: TestResponse) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if call.path.startswith("/hooks/"):
        return None if 400 <= status < 500 else f"unsigned hook answered {status}"
    if who == ANONYMOUS:
        return _judge_anonymous(call, response)
    if status == 401 and call.endpoint not in PUBLIC:
        return "a signed-in user got 401"
    must_refuse = who in FORBIDDEN.get(call.endpoint, frozenset()) or who in _area_rule(call)
    if must_refuse and status != 403:
        return f"expected 403, got {status}"
    return None


def _area_rule(call: Call) -> frozenset[str]:
    area = call.endpoint.split(".", 1)[0]
    if area == "processes" and call.endpoint not in PROCESS_OWNER_PAGES:
        return EVERYONE_BUT_OLGA
    return FORBIDDEN_AREAS.get(area, frozenset())


def _judge_anonymous(call: Call, response: TestResponse) -> str | None:
    status = response.status_code
    if call.endpoint in PUBLIC:
        return None
    if call.is_api:
        return None if status == 401 else f"expected 401, got {status}"
    if status == 401 or (status == 302 and "/login" in response.headers.get("Location", "")):
        return None
    if status == 400 and call.method != "GET" and "CSRF" in response.get_data(as_text=True):
        return None  # refused before the login check: no CSRF token (nothing was done)
    return f"expected a redirect to /login, got {status}"


def test_the_channel_ids_the_matrix_uses_are_real_failures(world: World) -> None:
    """So the channels' replay and retry routes are tried on what they act on, not on 404s."""
    client = world.app().test_client()
    page = client.get("/operations/channels", headers=world.auth("olga")).get_data(as_text=True)
    assert f'data-event="{world.extra["event_id"]}"' in page
    assert f'data-message="{world.extra["message_id"]}"' in page
