"""deal_approval: the customer writes while the owner revises the quote or follows it up.

Before expiry a reply to the quote decides (see test_deal_approval.py). While
the owner revises it at the customer's request, or follows it up after expiry,
a non-interrupting event catches every reply to that quote number: it is put on
the deal's timeline and shown to the owner ("Customer wrote about quote ...");
the task goes on.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm.models import Deal, Direction, Interaction
from engine import Engine, ManualClock

from ._deals import quotes, reply, start
from ._support import actions, complete, done_tasks, get, open_tasks, rows, task


def replies_on(engine: Engine, deal_id: int) -> list[Interaction]:
    """The customer's emails on the deal's timeline, oldest first."""
    query = sa.select(Interaction).where(
        Interaction.deal_id == deal_id, Interaction.direction == Direction.INBOUND
    )
    return rows(engine, query.order_by(Interaction.id))


def test_a_reply_to_an_expired_quote_goes_to_the_owner_and_the_follow_up_stays(
    deals: Engine, deal_id: int, clock: ManualClock
) -> None:
    iid = start(deals, deal_id, valid_days=10)["id"]
    [quote] = quotes(deals, deal_id)
    clock.advance(days=10, minutes=1)
    assert deals.fire_due_timers() == 1
    followup = task(deals, iid, "followup")

    sent = reply(
        deals,
        quote.number,
        reply_text="Sorry for the delay: we accept.",
        reply_from="ivan@vega.example",
        customer_decision="accepted",
    )

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    assert task(deals, iid, "followup")["id"] == followup["id"]  # the follow-up decides
    review = task(deals, iid, "review_followup_reply")
    assert (review["title"], review["group"], review["assignee"]) == (
        f"Customer wrote about quote {quote.number}",
        "sales",
        "anna",
    )
    assert deals.task(review["id"])["data"]["reply_text"] == "Sorry for the delay: we accept."
    [noted] = replies_on(deals, deal_id)
    assert (noted.kind, noted.subject, noted.body, noted.sender) == (
        "email",
        f"Re: Commercial offer {quote.number}",
        "Sorry for the delay: we accept.",
        "ivan@vega.example",
    )
    deal = get(deals, Deal, deal_id)
    assert (noted.customer_id, noted.instance_id) == (deal.customer_id, iid)
    assert ("message", None) in actions(deals, iid)

    complete(deals, iid, "followup", {"followup_outcome": "extend", "extend_days": 7}, "anna")
    complete(deals, iid, "review_followup_reply", {"action": "answered"}, "anna")
    assert task(deals, iid, "customer_decision")["assignee"] == "anna"
    assert ("review_followup_reply", "done", "anna") in done_tasks(deals, iid)
    accepted = reply(deals, quote.number, customer_decision="accepted")
    assert accepted["instance"]["status"] == "completed"


def test_replies_while_the_quote_is_revised_go_to_the_owner(deals: Engine, deal_id: int) -> None:
    iid = start(deals, deal_id)["id"]
    [first] = quotes(deals, deal_id)
    reply(deals, first.number, customer_decision="changes", customer_comment="12 seats, please")
    revising = task(deals, iid, "revise")

    for text in ("And a 5 % discount.", "Ship before May."):
        assert reply(deals, first.number, reply_text=text)["outcome"] == "delivered"

    assert [i.body for i in replies_on(deals, deal_id)] == [
        "12 seats, please",  # the answer that asked for the revision is on the deal too
        "And a 5 % discount.",
        "Ship before May.",
    ]
    found = [t for t in open_tasks(deals, iid) if t["task"] == "review_revise_reply"]
    assert [t["assignee"] for t in found] == ["anna", "anna"]
    assert task(deals, iid, "revise")["id"] == revising["id"]
    complete(deals, iid, "revise", {"lines": [{"sku": "CRM-SEAT", "qty": 12}]}, "anna")
    second = quotes(deals, deal_id)[1]
    assert second.status == "sent"
    stale = reply(deals, first.number, reply_text="one more thing")
    assert stale == {"outcome": "unmatched", "instance": None}  # the retired quote waits no more
    assert [a for a, _t in actions(deals, iid)].count("message") == 3
