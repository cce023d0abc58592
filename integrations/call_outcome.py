"""Whether a call was answered, from all its events: the root's and its legs'.

A provider's own "completed" on the root call does not mean that anybody talked:

- click-to-call rings the employee first (the root call, answered by them), then
  dials the customer as a leg (Twilio's ``<Dial>``, a PBX's ``parent_call_id``);
  the customer not answering shows only on that leg (``no-answer``, ``busy``, ...);
- an inbound Twilio call is ``in-progress`` as soon as its TwiML runs; the
  employees it rings are legs, and when none picks up the root still ends
  ``completed``.

So when a call has legs, it was answered when one of them was; without legs, when
the root was (an ``answered`` event, or a duration). Pure functions over event
payloads as :mod:`integrations.telephony` normalises them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

REASONS = {
    "busy": "busy",
    "no-answer": "no answer",
    "failed": "failed",
    "canceled": "canceled",
}
"""Twilio's statuses of a call nobody answered, as the timeline words them."""
NO_ANSWER = "no answer"


def unanswered_reason(final: Mapping[str, Any], history: Iterable[Mapping[str, Any]]) -> str | None:
    """None when the call ``final`` ends was answered; else why not (``busy``, ``no answer``...).

    ``final`` is the root's ``ended`` or ``missed`` event, ``history`` every event
    journaled on the call so far (it may include ``final``).
    """
    if final.get("type") == "missed":
        return _reason(final)
    events = list(history)
    legs = [e for e in events if e.get("leg")]
    if legs:
        if any(_leg_answered(leg) for leg in legs):
            return None
        missed = [leg for leg in legs if leg.get("type") == "missed"]
        return _reason(missed[-1]) if missed else NO_ANSWER
    roots = [*events, final]
    if any(e.get("type") == "answered" for e in roots) or (final.get("duration") or 0) > 0:
        return None
    return NO_ANSWER


def _leg_answered(leg: Mapping[str, Any]) -> bool:
    return leg.get("type") == "answered" or (
        leg.get("type") == "ended" and (leg.get("duration") or 0) > 0
    )


def _reason(event: Mapping[str, Any]) -> str:
    return REASONS.get(str(event.get("status") or ""), NO_ANSWER)
