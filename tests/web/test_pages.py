"""Inbox, task page, start page and customer card, through the real pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from .api.world import World, files
from .pages import parse, post_form, signed_in, texts

HERE = Path(__file__).parent / "bpmn"


def test_inbox_lists_my_tasks_and_the_queue(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    mine = parse(client.get("/inbox"))
    assert mine.xpath("//tr/@data-task") == [world.enter_task]
    queue = parse(client.get("/inbox?scope=queue"))
    assert world.call_task in queue.xpath("//tr/@data-task")
    assert texts(mine, "//span[@id='nav-count-mine']") == ["1"]
    poll = client.get("/inbox/poll.json")
    assert poll.status_code == 200 and poll.json is not None
    assert poll.json["counts"]["mine"] == 1


def test_inbox_rejects_bad_parameters_with_400(client: FlaskClient) -> None:
    signed_in(client, "anna")
    assert client.get("/inbox?scope=nope").status_code == 400
    assert client.get("/inbox?cursor=%%%").status_code == 400
    assert client.get("/inbox/calendar?month=13-2026").status_code == 400
    assert client.get("/inbox/calendar").status_code == 200
    assert client.get("/inbox?sort=priority&priority=high").status_code == 200


def test_claim_then_complete_with_errors_then_rightly(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    claimed = post_form(client, f"/tasks/{world.call_task}/claim", {})
    assert claimed.status_code == 302
    page = parse(client.get(f"/tasks/{world.call_task}"))
    assert page.xpath("//form[@id='task-form']")
    assert texts(page, "//section[@id='customer-summary']//h2")  # the customer beside the form
    wrong = post_form(client, f"/tasks/{world.call_task}", {"outcome": "", "note": "x"})
    assert wrong.status_code == 422
    errors = parse(wrong).xpath("//p[@class='error'][@data-field='outcome']")
    assert errors
    right = post_form(client, f"/tasks/{world.call_task}", {"outcome": "reached"})
    assert right.status_code == 302


def test_other_group_cannot_open_or_complete_a_task(world: World, client: FlaskClient) -> None:
    signed_in(client, "gleb")
    assert client.get(f"/tasks/{world.call_task}").status_code == 403
    response = post_form(client, f"/tasks/{world.call_task}", {"outcome": "reached"})
    assert response.status_code == 403


def test_manager_reassigns(world: World, client: FlaskClient) -> None:
    signed_in(client, "boris")
    response = post_form(client, f"/tasks/{world.call_task}/assign", {"user": "anna"})
    assert response.status_code == 302
    assert world.engine.task(world.call_task)["assignee"] == "anna"


def test_customer_card_for_the_group_and_not_for_others(world: World, app: object) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    anna = signed_in(app.test_client(), "anna")
    card = anna.get(f"/customers/{world.customer_id}")
    assert card.status_code == 200
    page = parse(card)
    assert texts(page, "//h1[@id='customer-name']") == ["Vega LLC"]
    assert page.xpath("//section[@id='open-tasks']//a")
    assert not page.xpath("//form[not(@action='/logout')]")  # no edit forms on the card
    gleb = signed_in(app.test_client(), "gleb")
    assert gleb.get(f"/customers/{world.customer_id}").status_code == 403
    assert anna.get("/customers/999999").status_code in (403, 404)


@pytest.fixture(autouse=True)
def ask_process(world: World) -> None:
    world.engine.deploy(files(HERE, "ask.bpmn", "ask_start.json", "ask_quote.json"), user="olga")


def test_start_page_lists_startable_processes_and_starts_one(
    world: World, client: FlaskClient
) -> None:
    signed_in(client, "anna")
    page = parse(client.get("/start"))
    assert "ask" in page.xpath("//ul[@id='startable']/li/@data-key")
    wrong = post_form(client, "/start/ask", {"company": "x"})
    assert wrong.status_code == 422
    assert parse(wrong).xpath("//p[@class='error'][@data-field='company']")
    response = post_form(client, "/start/ask", {"company": "Acme"})
    assert response.status_code == 302
    task_url = response.headers["Location"]
    assert task_url.startswith("/tasks/")  # anna's sales group takes the first task
    assert client.get("/start/nothing").status_code == 404
    assert signed_in(app_client(world), "gleb").get("/start/ask").status_code == 404


def test_quote_form_rows_money_dates_enums(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    task_url = post_form(client, "/start/ask", {"company": "Acme"}).headers["Location"]
    page = parse(client.get(task_url))
    assert page.xpath("//input[@name='lines-0-product']")  # minItems: one row to start
    assert texts(page, "//section[@id='instructions']/div") == ["Price every line from the list."]
    assert page.xpath("//select[@name='channel']/option/text()") == ["—", "By email", "By post"]
    wrong = post_form(
        client,
        task_url,
        {
            "valid_until": "",
            "discount": "lots",
            "lines-0-product": "Pump",
            "lines-0-qty": "x",
            "lines-3-product": "",
            "lines-3-qty": "0",
        },
    )
    assert wrong.status_code == 422
    fields = set(parse(wrong).xpath("//p[@class='error']/@data-field"))
    assert {
        "valid_until",
        "discount",
        "channel",
        "lines/0/qty",
        "lines/1/product",
        "lines/1/qty",
    } <= fields
    right = post_form(
        client,
        task_url,
        {
            "valid_until": "2026-12-31",
            "discount": "12,50",
            "channel": "email",
            "urgent": "on",
            "lines-0-product": "Pump",
            "lines-0-qty": "2",
            "lines-5-product": "Valve",
            "lines-5-qty": "3",
        },
    )
    assert right.status_code == 302
    task_id = task_url.rsplit("/", 1)[-1]
    instance = world.engine.instance(world.engine.task(task_id)["instance_id"])
    assert instance["status"] == "completed"
    assert instance["data"]["lines"] == [
        {"product": "Pump", "qty": 2},
        {"product": "Valve", "qty": 3},
    ]
    assert instance["data"]["discount"] == 12.5 and instance["data"]["urgent"] is True


def app_client(world: World) -> FlaskClient:
    return world.app().test_client()


def test_queue_pages_with_a_cursor_without_gaps_or_repeats(
    world: World, client: FlaskClient
) -> None:
    for n in range(55):
        world.engine.start("ask", {"company": f"Co {n}"}, user="anna")
    signed_in(client, "anna")
    for sort in ("due", "priority"):
        first = parse(client.get(f"/inbox?scope=queue&sort={sort}"))
        ids = first.xpath("//tr/@data-task")
        [next_href] = first.xpath("//a[@id='next-page']/@href")
        second = parse(client.get(next_href))
        more = second.xpath("//tr/@data-task")
        assert len(ids) == 50 and more and not set(ids) & set(more)
        expected = [
            t["id"]
            for t in world.engine.tasks("anna", scope="group", limit=200)
            if t["assignee"] is None
        ]
        assert sorted(ids + more) == sorted(expected)


def test_calendar_shows_tasks_on_their_due_day(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    task = world.engine.task(world.enter_task)
    month = task["due_at"][:7]
    page = parse(client.get(f"/inbox/calendar?month={month}"))
    day = task["due_at"][:10]
    assert task["title"] in texts(page, f"//td[@data-day='{day}']/a[@class='due-task']")
