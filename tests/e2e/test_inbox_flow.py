"""An employee's day in the browser: inbox, a task with errors then right, the next
task appearing for the approver, who approves it; and a process started from the page."""

from __future__ import annotations

from typing import Any

from tests.web.api.world import World

from .conftest import shot, sign_in


def test_anna_enters_an_amount_and_boris_approves(world: World, new_page: Any) -> None:
    anna = new_page("anna")
    sign_in(anna, "anna")
    row = anna.locator(f"tr[data-task='{world.enter_task}']")
    assert "Enter amount for Orion" in row.inner_text()
    shot(anna, "01-anna-inbox")

    row.locator("a.task-link").click()
    anna.wait_for_selector("#task-form")
    anna.fill("#f-amount", "lots")
    anna.click("#complete")
    error = anna.locator("p.error[data-field='amount']")
    error.wait_for()
    assert "number" in error.inner_text()
    shot(anna, "02-anna-field-error")

    anna.fill("#f-amount", "800")  # doubled to 1600: above 1000, so a manager approves
    anna.click("#complete")
    anna.wait_for_url("**/inbox")
    assert anna.locator(f"tr[data-task='{world.enter_task}']").count() == 0

    boris = new_page("boris")
    sign_in(boris, "boris")
    approve = boris.locator("tr[data-task-name='approve']")
    approve.wait_for()
    shot(boris, "03-boris-inbox")
    approve.locator("a.task-link").click()
    boris.check("#f-approved")
    shot(boris, "04-boris-approves")
    boris.click("#complete")
    boris.wait_for_url("**/inbox")
    [done] = [
        t for t in world.engine.tasks(None, scope="all", status="done") if t["task"] == "approve"
    ]
    assert done["completed_by"] == "boris"


def test_new_task_appears_in_the_open_inbox_without_reload(world: World, new_page: Any) -> None:
    anna = new_page("anna")
    sign_in(anna, "anna")
    anna.goto("/inbox?scope=queue")
    anna.evaluate("document.getElementById('inbox-list').dataset.interval = '500'")
    before = anna.locator("tr[data-task-name='quote']").count()
    world.engine.start("ask", {"company": "Nova"}, user="vera")
    anna.wait_for_function(
        f"document.querySelectorAll(\"tr[data-task-name='quote']\").length > {before}",
        timeout=25_000,
    )
    shot(anna, "05-anna-live-refresh")


def test_quote_lines_rows_are_added_in_the_browser(world: World, new_page: Any) -> None:
    anna = new_page("anna")
    sign_in(anna, "anna")
    anna.goto("/start/ask")
    anna.fill("#f-company", "Acme")
    anna.click("#start")
    anna.wait_for_selector("#task-form")
    anna.fill("#f-valid_until", "2026-12-31")
    anna.select_option("#f-channel", "email")
    anna.fill("#f-lines-0-product", "Pump")
    anna.fill("#f-lines-0-qty", "2")
    anna.click("button.add-row")
    anna.fill("#f-lines-1-product", "Valve")
    anna.fill("#f-lines-1-qty", "3")
    shot(anna, "06-anna-quote-lines")
    anna.click("#complete")
    anna.wait_for_url("**/inbox")
    assert anna.locator(".flash").first.inner_text().startswith("Task")
