"""schemathesis against ``/api/openapi.json``: no 5xx, and every answer matches the document.

Every operation of the API gets a handful of generated requests (valid and
invalid), sent with an admin's bearer token through the WSGI app; kept small
(``MAX_EXAMPLES`` per operation, no deadline) so the run takes seconds.
"""

from __future__ import annotations

import time

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .world import World

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance]


def real_ids(world: World, path: str) -> dict[str, list[str]]:
    """Ids of existing things for each path parameter, so requests get past the 404s."""
    names = ["pipeline", "sla", "campaigns"] if "/reports/" in path else ["new_request"]
    return {
        "task_id": [world.call_task, world.enter_task],
        "instance_id": [world.call_instance, world.enter_instance, world.incident_instance],
        "customer_id": [str(world.customer_id)],
        "key": ["simple", "customer_call", "fragile"],
        "name": [*names, "customer_reply"],
    }


def exercise(
    operation: schemathesis.APIOperation, headers: dict[str, str], known: dict[str, list[str]]
) -> None:
    """Send ``MAX_EXAMPLES`` generated requests to one operation and check each answer.

    Each path parameter is either generated or, as often, the id of something real.
    """

    @given(data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        for name in list(case.path_parameters or {}):
            real = data.draw(st.none() | st.sampled_from(known.get(name, [None])))
            if real is not None:
                case.path_parameters[name] = real
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_api_survives_generated_requests_and_matches_its_schema(world: World) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", world.app())
    headers = world.auth("olga")  # admin and process owner: every route's deepest branch
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    started = time.perf_counter()
    for operation in operations:
        exercise(operation, headers, real_ids(world, operation.path))
    print(f"schemathesis: {len(operations)} operations in {time.perf_counter() - started:.1f} s")
