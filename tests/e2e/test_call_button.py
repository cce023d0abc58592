"""The Call button in the browser: a second click sends no second request, places no call.

The demo site is served with a PBX configured (a real HTTP stand-in that takes a
second to answer, as a PBX ringing a phone does), so the second click lands while
the first request is still on its way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.conftest import BPMN
from tests.integrations.servers import StandIn, http_stand_in

from .conftest import VIEWPORT, shot, sign_in
from .site import Site, copy_sqlite, serve

SEED = BPMN / "seed_contact.bpmn"


def pbx_config(pbx: StandIn) -> dict[str, Any]:
    """What the demo site is served with so that its Call button places calls on ``pbx``."""
    return {"CALL_PROVIDER": "pbx", "PBX_ORIGINATE_URL": pbx.url, "HOOK_SECRET": "e2e-secret",
            "CALL_AGENTS": {"*": "101"}}  # fmt: skip


@pytest.fixture
def calling(demo_sqlite: Path, tmp_path: Path) -> Iterator[tuple[Site, StandIn]]:
    target = tmp_path / "demo.sqlite"
    copy_sqlite(demo_sqlite, target)
    with http_stand_in({"call_id": "pbx-e2e"}) as pbx:
        pbx.delay = 1.0
        with serve(f"sqlite:///{target}", pbx_config(pbx)) as site:
            yield site, pbx


def a_customer_with_a_phone(site: Site) -> int:
    """A customer whose contact has a phone, made by a process step as production makes it."""
    site.engine.deploy({SEED.name: SEED.read_text()}, user="olga")
    data = {"first_name": "Pavel", "phone": "+79215550199", "email": None, "company": "Kedr LLC"}
    outcome = site.engine.start("t_seed_contact", data, "olga")
    assert outcome["status"] == "completed", outcome["incident"]
    return int(outcome["data"]["result"]["customer_id"])


def test_clicking_call_twice_sends_one_request(browser: Any, calling: tuple[Site, StandIn]) -> None:
    site, pbx = calling
    context = browser.new_context(base_url=site.base, locale="en-US", viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, "olga")  # an admin sees every customer
        customer_id = a_customer_with_a_phone(site)
        page.goto(f"/customers/{customer_id}")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        button = page.locator("form.call button[type=submit]").first
        box = button.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        with page.expect_navigation():
            page.mouse.click(x, y)
            page.wait_for_timeout(300)  # the first request is on its way: the PBX takes 1 s
            page.mouse.click(x, y)  # an impatient second click on the same button
        page.wait_for_selector("p.flash")
        flashes = page.locator("p.flash").all_inner_texts()
        shot(page, "call-double-click")
    finally:
        context.close()
    assert posts == [f"{site.base}/customers/{customer_id}/call"]  # the second click sent nothing
    assert len(pbx.requests) == 1
    assert len(flashes) == 1 and flashes[0].startswith("Calling +"), flashes
    assert not errors, errors
