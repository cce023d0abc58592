"""The complaint operators: crm.case_context, crm.open_case with SLA durations,
crm.record_first_response, crm.suggest_articles, crm.resolve_case, crm.read_case_reply,
crm.note_case_reply and crm.reopen_case. Each runs in a service task; bad parameters
become incidents. A reply email is one interaction whichever of the mailbox's
crm.log_interaction and the case's reply operator records it first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm.models import AbcClass, Article, Case, CaseStatus, Interaction
from engine import Engine

from .conftest import USER, assert_recorded, count, get, incident, result, seeding, written_by
from .operator_bpmn import call
from .seeds import seed_case, seed_contact, seed_customer


def test_case_context_gives_the_class_and_the_contacts_email(engine: Engine) -> None:
    customer_id = seed_customer(engine, abc_class=AbcClass.A)
    _, contact_id = seed_contact(engine, None, "ivan@vega.test", customer_id)

    by_id = result(call(engine, "crm.case_context", customer_id=customer_id, contact_id=contact_id))
    by_email = result(
        call(engine, "crm.case_context", customer_id=customer_id, email="ivan@vega.test")
    )

    assert by_id["abc_class"] == "A" and by_id["contact_email"] == "ivan@vega.test"
    assert by_email["contact_id"] == contact_id and by_email["customer_name"] == "Vega LLC"


def test_case_context_refuses_a_contact_of_another_customer(engine: Engine) -> None:
    _, contact_id = seed_contact(engine)
    other = seed_customer(engine, name="Orion JSC")

    outcome = call(engine, "crm.case_context", customer_id=other, contact_id=contact_id)

    assert f"field 'contact_id': contact {contact_id} belongs to another customer" in incident(
        engine, outcome
    )


def test_open_case_counts_the_sla_durations_from_now(engine: Engine) -> None:
    customer_id = seed_customer(engine)
    before = datetime.now(UTC)

    opened = result(
        call(
            engine,
            "crm.open_case",
            customer_id=customer_id,
            subject="Broken",
            first_response_in="PT2H",
            resolution_in="P1D",
        )
    )

    first = datetime.fromisoformat(opened["first_response_due"])
    assert before + timedelta(hours=2) <= first <= datetime.now(UTC) + timedelta(hours=2)
    last = datetime.fromisoformat(opened["resolution_due"])
    assert abs(last - first - timedelta(hours=22)) < timedelta(seconds=1)


def test_open_case_refuses_a_bad_duration(engine: Engine) -> None:
    customer_id = seed_customer(engine)

    outcome = call(
        engine, "crm.open_case", customer_id=customer_id, subject="x", first_response_in="soon"
    )

    assert "field 'first_response_in'" in incident(engine, outcome)


def test_record_first_response_makes_the_responder_the_owner(engine: Engine) -> None:
    case_id = seed_case(engine)

    outcome = call(
        engine, "crm.record_first_response", case_id=case_id, response="On it", channel="phone"
    )

    assert result(outcome)["owner"] == USER
    case = get(engine, Case, case_id)
    assert (case.status, case.owner) == (CaseStatus.IN_PROGRESS, USER)
    assert case.first_responded_at is not None
    assert_recorded(engine, outcome, Case, case_id, "update")
    with engine.session() as session:
        kinds = session.scalars(sa.select(Interaction.kind).where(Interaction.case_id == case_id))
        assert list(kinds) == ["call"]


def test_record_first_response_refuses_a_closed_case(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.CLOSED)

    outcome = call(engine, "crm.record_first_response", case_id=case_id, response="x")

    assert "case CASE-900001 is closed" in incident(engine, outcome)


def test_suggest_articles_ranks_by_shared_words(engine: Engine) -> None:
    with seeding(engine) as session:
        session.add_all(
            [
                Article(title="Delivery is late", body=".", tags=["delivery"]),
                Article(title="Invoice twice", body=".", tags=["invoice", "billing"]),
                Article(title="Invoice draft", body=".", tags=[], published=False),
            ]
        )

    found = result(call(engine, "crm.suggest_articles", text="Invoice charged twice", limit=5))

    assert [a["title"] for a in found] == ["Invoice twice"]
    assert "field 'limit'" in incident(
        engine, call(engine, "crm.suggest_articles", text="x", limit=0)
    )


def test_resolve_case_waits_for_the_customer(engine: Engine) -> None:
    case_id = seed_case(engine)

    resolved = result(call(engine, "crm.resolve_case", case_id=case_id, resolution="Refunded"))

    assert resolved["status"] == "waiting_customer"
    case = get(engine, Case, case_id)
    assert (case.resolution, case.resolved_at is not None) == ("Refunded", True)
    bad = call(engine, "crm.resolve_case", case_id=case_id, resolution="x", article_id=77)
    assert "field 'article_id': no kb article with id 77" in incident(engine, bad)


def test_read_case_reply_reads_not_solved_and_a_score(engine: Engine) -> None:
    case_id = seed_case(engine)

    def read(**data: object) -> dict:
        return result(call(engine, "crm.read_case_reply", case_id=case_id, **data))

    assert read(text="It is still NOT SOLVED")["solved"] is False
    assert read(text="Thanks! 4/5") == {"case_id": case_id, "solved": True, "satisfaction": 4}
    assert read(text="Всё ещё не решено")["solved"] is False
    assert read(text="whatever", solved=False, satisfaction=2)["satisfaction"] == 2
    assert "field 'satisfaction'" in incident(
        engine, call(engine, "crm.read_case_reply", case_id=case_id, satisfaction=9)
    )


def test_note_case_reply_logs_the_email_and_names_the_owner(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.IN_PROGRESS, owner="gena")

    outcome = call(
        engine, "crm.note_case_reply", case_id=case_id, text=" Any news? ", sender="ivan@vega.test"
    )

    found = result(outcome)
    assert (found["case_id"], found["owner"], found["text"]) == (case_id, "gena", "Any news?")
    note = get(engine, Interaction, found["interaction_id"])
    assert (note.case_id, note.direction, note.body, note.sender) == (
        case_id,
        "in",
        "Any news?",
        "ivan@vega.test",
    )
    assert note.instance_id == outcome["id"]
    assert get(engine, Case, case_id).status == CaseStatus.IN_PROGRESS  # decides nothing
    assert_recorded(engine, outcome, Interaction, note.id, "insert")


def test_note_case_reply_refuses_a_closed_case(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.CLOSED)

    outcome = call(engine, "crm.note_case_reply", case_id=case_id, text="hello")

    assert "case CASE-900001 is closed" in incident(engine, outcome)


REPLY_ID = "email:reply-1@vega.test"
MAILBOX_BPMN = Path(__file__).parents[2] / "integrations" / "bpmn" / "integration_interaction.bpmn"
REPLY_OPERATORS = ["crm.note_case_reply", "crm.read_case_reply"]


def _reply_case(engine: Engine) -> tuple[int, int]:
    """``(case_id, contact_id)`` of a case waiting for Ivan's answer."""
    customer_id, contact_id = seed_contact(engine, email="ivan@vega.test")
    case_id = seed_case(
        engine, customer_id=customer_id, contact_id=contact_id, status=CaseStatus.WAITING_CUSTOMER
    )
    return case_id, contact_id


def _mailbox_logs(engine: Engine, contact_id: int, case_id: int | None) -> dict:
    """The email as the integrations' own interaction process logs it."""
    engine.deploy({MAILBOX_BPMN.name: MAILBOX_BPMN.read_text()})
    email = {
        **dict.fromkeys(("recording_url", "duration_s", "occurred_at", "customer_id", "lead_id")),
        "kind": "email",
        "direction": "in",
        "channel": "email",
        "subject": "Re: Broken",
        "body": "Any news?\n\nAttachments: shot.png (0a1b2c3d4e5f, 3 B)",
        "contact_id": contact_id,
        "case_id": case_id,
        "external_id": REPLY_ID,
        "sender": "ivan@vega.test",
        "recipients": ["support@demo.clientflow.test"],
        "employee": None,
    }
    outcome = engine.start("integration_interaction", email, "integrations")
    return {**outcome, "data": {"result": outcome["data"]["logged"]}}


def _case_reads(engine: Engine, operator: str, case_id: int, **extra: object) -> dict:
    return call(engine, operator, case_id=case_id, text="Any news?", sender="ivan@vega.test",
                **extra)  # fmt: skip


@pytest.mark.parametrize("operator", REPLY_OPERATORS)
def test_a_reply_the_mailbox_logged_first_is_linked_not_added(
    engine: Engine, operator: str
) -> None:
    case_id, contact_id = _reply_case(engine)
    logged = result(_mailbox_logs(engine, contact_id, case_id=None))  # before it knew the case

    outcome = _case_reads(engine, operator, case_id, external_id=REPLY_ID)

    result(outcome)
    assert count(engine, Interaction) == 1
    row = get(engine, Interaction, logged["interaction_id"])
    assert (row.case_id, row.contact_id, row.instance_id) == (case_id, contact_id, outcome["id"])
    assert (row.subject, row.recipients) == ("Re: Broken", ["support@demo.clientflow.test"])
    assert row.body.startswith("Any news?\n\nAttachments: shot.png")  # the mailbox's text stays
    linked = assert_recorded(engine, outcome, Interaction, row.id, "update")
    assert linked.task_id == row.task_id
    assert set(linked.changes) == {"case_id", "instance_id", "task_id"}


@pytest.mark.parametrize("operator", REPLY_OPERATORS)
def test_the_mailbox_logging_a_reply_the_case_recorded_first_completes_it(
    engine: Engine, operator: str
) -> None:
    case_id, contact_id = _reply_case(engine)
    outcome = _case_reads(engine, operator, case_id, external_id=REPLY_ID)
    result(outcome)

    logged = result(_mailbox_logs(engine, contact_id, case_id))

    assert logged["created"] is False
    assert count(engine, Interaction) == 1
    row = get(engine, Interaction, logged["interaction_id"])
    assert (row.case_id, row.instance_id, row.external_id) == (case_id, outcome["id"], REPLY_ID)
    assert (row.subject, row.body) == ("[CASE-900001] Customer reply", "Any news?")
    assert row.recipients == ["support@demo.clientflow.test"]  # what the case did not know
    assert [c.action for c in written_by(engine, Interaction, row.id)] == ["update", "insert"]


def test_replies_without_an_external_id_are_each_recorded(engine: Engine) -> None:
    case_id, _ = _reply_case(engine)

    for text in ("Any news?", "Any news?"):  # e.g. POST /api/messages/customer_reply, twice
        result(call(engine, "crm.note_case_reply", case_id=case_id, text=text))

    assert count(engine, Interaction, Interaction.case_id == case_id) == 2


def test_a_reply_id_of_another_cases_email_is_an_incident(engine: Engine) -> None:
    case_id, contact_id = _reply_case(engine)
    customer_id = get(engine, Case, case_id).customer_id
    other = seed_case(engine, customer_id=customer_id, number="CASE-900002")
    result(_mailbox_logs(engine, contact_id, case_id=other))

    outcome = _case_reads(engine, "crm.note_case_reply", case_id, external_id=REPLY_ID)

    assert f"field 'external_id': {REPLY_ID} is on case {other}" in incident(engine, outcome)
    assert count(engine, Interaction, Interaction.case_id == case_id) == 0


def test_reopen_case_puts_it_back_to_work(engine: Engine) -> None:
    case_id = seed_case(engine, status=CaseStatus.WAITING_CUSTOMER)

    outcome = call(engine, "crm.reopen_case", case_id=case_id, reason="still broken")

    assert result(outcome)["status"] == "reopened"
    case = get(engine, Case, case_id)
    assert (case.status, case.resolved_at) == (CaseStatus.REOPENED, None)
    assert_recorded(engine, outcome, Case, case_id, "update")
