"""An admin finds failed inbound calls on Operations → Channels, deploys the process they
needed and replays one: it is processed, leaves the list, and the navigation's
count drops. Employees cannot open the page.

The failures are made for real, as :mod:`tests.web.operations.breakage` makes
them: the site's correlation rules start ``t_seed_contact`` for unknown callers,
which is not deployed, and the PBX's calls arrive on the signed telephony hook.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations import sign
from integrations.rules import RULES_ENV
from tests.integrations.conftest import BPMN, instances_of
from tests.web.operations.breakage import UNKNOWN_CALLER, call_event

from .conftest import NewPage, shot, sign_in
from .site import Site, copy_sqlite, serve

PAGE = "/operations/channels"
SECRET = "e2e-hook-secret"
SEED = BPMN / "seed_contact.bpmn"  # t_seed_contact: finds or creates the caller's contact
OTHER_CALLER = "+79001114455"


@pytest.fixture
def site(demo_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The demo site with signed hooks, whose unknown callers start ``t_seed_contact``."""
    rules = tmp_path / "rules.json"
    constants = {"first_name": "Caller", "email": None, "company": None, "channel": "phone"}
    rules.write_text(json.dumps({"unknown_caller": {"process": "t_seed_contact",
                                                    "constants": constants}}))  # fmt: skip
    monkeypatch.setenv(RULES_ENV, str(rules))  # read when the app builds its integrations
    target = tmp_path / "demo.sqlite"
    copy_sqlite(demo_sqlite, target)
    with serve(f"sqlite:///{target}", {"HOOK_SECRET": SECRET}) as served:
        yield served


def post_call(site: Site, call_id: str, caller: str) -> int:
    """The PBX reports a ringing call on the signed hook; the journal's event id."""
    body = call_event(call_id, caller=caller)
    request = urllib.request.Request(
        f"{site.base}/hooks/telephony",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Clientflow-Signature": sign(SECRET, body)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        return int(json.load(response)["event_id"])


def event_rows(page: Any) -> list[str]:
    return page.locator("#failed-events-table tr[data-event]").evaluate_all(
        "rows => rows.map(r => r.dataset.event)"
    )


def test_admin_deploys_the_missing_process_and_replays_a_failed_call(
    site: Site, new_page: NewPage
) -> None:
    first = post_call(site, "c1", UNKNOWN_CALLER)  # t_seed_contact is not deployed: both fail
    second = post_call(site, "c2", OTHER_CALLER)

    olga = new_page("olga")
    sign_in(olga, "olga")
    assert olga.inner_text("#nav-count-failures") == "2"  # beside "Operations", on every page
    olga.click("#nav-operations")
    olga.click("#ops-nav-channels")
    olga.wait_for_url(f"**{PAGE}")
    assert olga.inner_text("h1") == "Channels"
    assert event_rows(olga) == [str(second), str(first)]  # the newest first
    assert olga.inner_text("#failed-events-total") == "2"
    assert olga.inner_text("#ops-count-failures") == "2"
    row = olga.locator(f"tr[data-event='{first}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[3] == "call.ringing" and cells[4] == UNKNOWN_CALLER and cells[5] == "3"
    assert "no process 't_seed_contact' is deployed" in cells[6], cells[6]
    assert olga.inner_text("#no-failed-messages") == "No outbound message has failed."
    shot(olga, "channels-1-failed")

    site.engine.deploy({SEED.name: SEED.read_text()}, user="olga")  # the fix
    olga.click(f"#replay-{first}")
    olga.wait_for_selector("p.flash")
    assert olga.locator("p.flash").all_inner_texts() == [f"Event {first} replayed: processed."]
    assert event_rows(olga) == [str(second)]  # the replayed call is gone, the other stays
    assert olga.inner_text("#nav-count-failures") == "1"
    assert olga.inner_text("#failed-events-total") == "1"
    shot(olga, "channels-2-replayed")
    assert instances_of(site.engine, "t_seed_contact") == 1  # the replay started the process


def test_employees_get_the_403_page(site: Site, new_page: NewPage) -> None:
    post_call(site, "c1", UNKNOWN_CALLER)
    anna = new_page("anna")
    sign_in(anna, "anna")
    assert anna.locator("#nav-operations, #nav-count-failures").count() == 0
    response = anna.goto(PAGE)
    assert response.status == 403
    assert anna.inner_text("h1") == "403"
    assert "you do not have the role this page needs" in anna.inner_text("main")
    assert anna.locator("#failed-events-table").count() == 0
    shot(anna, "channels-403")
