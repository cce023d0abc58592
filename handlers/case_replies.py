"""A customer's replies on a case: read after a proposal, noted while the case is worked.

After the proposal a reply decides (solved or not, a score); while the case is
worked it only informs, so it is put on the timeline and the process shows it to
whoever works the case. An email is one interaction whichever of the mailbox and
the case records it first (``external_id``, see :mod:`handlers.interactions`).
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields, validate

from crm.models import Case, Direction, Interaction, InteractionKind
from engine import StepContext

from ._params import Id, Params, bad, load
from .cases import open_case_row
from .interactions import record_once

NOT_SOLVED = ("not solved", "not resolved", "still", "doesn't work", "не решен", "не решён")
_SCORE = re.compile(r"\b([1-5])\s*(?:/\s*5|stars?|out of 5)")


class ReplyParams(Params):
    """A reply; ``external_id`` (``email:<Message-ID>``) names the email the mailbox logged."""

    case_id = Id(required=True)
    text = fields.String(allow_none=True)
    sender = fields.String(allow_none=True, validate=validate.Length(max=254))
    external_id = fields.String(allow_none=True, validate=validate.Length(max=200))


class ReadReplyParams(ReplyParams):
    solved = fields.Boolean(allow_none=True)
    satisfaction = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 5))


def read_case_reply(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Put the customer's reply on the case timeline and read whether it says "not solved".

    A structured reply (``solved``, ``satisfaction``, e.g. from a survey link)
    wins; free text counts as solved unless it says otherwise, and a score is
    read from "4/5" or "5 stars".
    """
    p = load(ReadReplyParams(), params)
    session = ctx.session
    case = open_case_row(session, p["case_id"])
    text = (p.get("text") or "").strip()
    solved = p.get("solved")
    if solved is None:
        lowered = text.lower()
        solved = not any(phrase in lowered for phrase in NOT_SOLVED)
    score = p.get("satisfaction")
    if score is None and (match := _SCORE.search(text.lower())):
        score = int(match.group(1))
    _log_reply(ctx, case, text, p)
    return {"case_id": case.id, "solved": solved, "satisfaction": score}


class NoteReplyParams(ReplyParams):
    channel = fields.String(load_default="email", validate=validate.OneOf(["email", "phone"]))


def note_case_reply(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Put a reply (or a call) that came while the case is worked on its timeline.

    The customer answered the acknowledgement (or wrote again) before any
    resolution was proposed: nothing is decided from it, but someone must see
    it, so the result names the case owner (None before the first response).
    Two waits open at once (the agent's resolution and finance's refund) both
    catch one message; the second noting of it in the same step finds it noted
    (``already_noted``), so the reply is one interaction and one task.
    """
    p = load(NoteReplyParams(), params)
    case = open_case_row(ctx.session, p["case_id"])
    text = (p.get("text") or "").strip()
    noted = _noted_this_step(ctx.session)
    key = (case.id, p["channel"], p.get("external_id"), p.get("sender"), text)
    already = key in noted
    if not already:
        noted[key] = _log_reply(ctx, case, text, p).id
    return {
        "case_id": case.id,
        "interaction_id": noted[key],
        "owner": case.owner,
        "text": text or None,
        "already_noted": already,
    }


_NOTED = "clientflow.case_replies_noted"


def _noted_this_step(session: Any) -> dict[tuple[Any, ...], int]:
    """Replies noted in this step's transaction (a session runs one step at a time)."""
    transaction = session.get_transaction()
    memo = session.info.get(_NOTED)
    if memo is None or memo[0] is not transaction:
        memo = (transaction, {})
        session.info[_NOTED] = memo
    noted: dict[tuple[Any, ...], int] = memo[1]
    return noted


def _log_reply(ctx: StepContext, case: Case, text: str, p: dict[str, Any]) -> Interaction:
    """The customer's email (or call) on the case timeline, once: one the integrations
    logged already (same ``external_id``) is linked to the case and this step instead."""
    call = p.get("channel") == "phone"
    interaction, created = record_once(
        ctx.session,
        {
            "kind": InteractionKind.CALL if call else InteractionKind.EMAIL,
            "direction": Direction.INBOUND,
            "channel": "phone" if call else "email",
            "subject": f"[{case.number}] Customer {'called' if call else 'reply'}",
            "body": text or None,
            "sender": p.get("sender") or None,
            "customer_id": case.customer_id,
            "contact_id": case.contact_id,
            "case_id": case.id,
            "external_id": p.get("external_id") or None,
        },
        employee=None,
    )
    if not created:
        if interaction.case_id != case.id:
            raise bad("external_id", f"{p['external_id']} is on case {interaction.case_id}")
        interaction.instance_id, interaction.task_id = ctx.instance_id, ctx.task_id
    return interaction


OPERATORS = (
    ("crm.read_case_reply", read_case_reply),
    ("crm.note_case_reply", note_case_reply),
)
