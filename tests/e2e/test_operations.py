"""An admin finds an instance stopped in a service task, fixes its data and retries it."""

from __future__ import annotations

from typing import Any

from tests.web.admin.live import Live, bpm_live, bpm_page, login, shot

__all__ = ["bpm_live", "bpm_page"]  # fixtures used below


def test_admin_fixes_the_data_and_retries_an_incident(bpm_live: Live, bpm_page: Any) -> None:
    live, page, engine = bpm_live, bpm_page, bpm_live.world.engine
    failed = engine.start("charge_payment", {"card_number": "", "amount": 250}, user="egor")
    assert failed["status"] == "incident"
    login(page, live, "olga")
    page.goto(f"{live.base}/processes/charge_payment")
    page.wait_for_selector("#live-diagram[data-rendered=done]")
    assert page.get_attribute(".cf-badge[data-element=charge]", "class").endswith("errored")
    page.click("#nav-operations")
    page.select_option("select[name=status]", "incident")
    page.click("#filters button[type=submit]")
    page.wait_for_selector(f"tr[data-instance='{failed['id']}']")
    shot(page, "operations-1-instances-with-incidents")
    page.click(f"tr[data-instance='{failed['id']}'] a")
    page.wait_for_selector("#instance-diagram[data-rendered=done]")
    page.wait_for_selector(".djs-element.cf-errored[data-element-id=charge]")
    assert page.inner_text("#instance-status") == "incident"
    assert "card number is empty" in page.inner_text(".incident-message")
    shot(page, "operations-2-incident")
    page.fill("#retry-data", '{"card_number": "4111111111111111"}')
    page.click("#retry")
    page.wait_for_selector("#instance-status:has-text('running')")
    page.wait_for_selector(".djs-element.cf-active[data-element-id=confirm]")
    page.wait_for_selector(".djs-element.cf-completed[data-element-id=charge]")
    shot(page, "operations-3-retried")
    detail = engine.instance(failed["id"])
    assert detail["status"] == "running"
    assert detail["data"]["receipt"] == {"charged": 250, "card": "****1111"}
    assert [t["task"] for t in detail["active_tasks"]] == ["confirm"]
    assert detail["incidents"][0]["resolution"] == "retried"
    assert detail["incidents"][0]["resolved_at"]
    assert page.errors == []


def test_admin_suspends_and_resumes_from_the_instance_page(bpm_live: Live, bpm_page: Any) -> None:
    live, page, engine = bpm_live, bpm_page, bpm_live.world.engine
    login(page, live, "olga")
    page.goto(f"{live.base}/operations/instances/{live.world.enter_instance}")
    page.click("#suspend")
    page.wait_for_selector("#instance-status:has-text('suspended')")
    assert engine.instance(live.world.enter_instance)["status"] == "suspended"
    page.click("#resume")
    page.wait_for_selector("#instance-status:has-text('running')")
    assert engine.instance(live.world.enter_instance)["status"] == "running"


def test_employees_cannot_open_operations(bpm_live: Live, bpm_page: Any) -> None:
    login(bpm_page, bpm_live, "anna")
    response = bpm_page.goto(f"{bpm_live.base}/operations/instances")
    assert response.status == 403
    assert bpm_page.locator("#nav-operations").count() == 0
