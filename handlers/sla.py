"""SLA deadlines counted on a group's business calendar, for the timers that escalate.

A user task's ``dueIn`` is counted in its lane group's working hours; an SLA
timer must fall due the same way, or a four-hour first response set on Friday
evening escalates on Saturday night while nobody works. BPMN timers count
calendar time, so a process asks here for its deadlines right before the task
and its timers wait for those instants (``timeDate``). Periods the customer
sees (a quote's validity, silence before auto-close) stay calendar time.

Counting starts at the engine's clock (the one its timers compare with), so a
test that moves the clock moves the deadlines too. A group without a calendar
counts plain elapsed time, as ``dueIn`` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import fields, validate

from crm.schemas.fields import utc_datetime
from engine import NotFound, StepContext, business_deadline, clock_now, group_calendar

from ._params import Duration, Params, bad, load


class DeadlinesParams(Params):
    group = fields.String(required=True, validate=validate.Length(1, 100))
    durations = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 100)),
        values=Duration(allow_none=True),
        required=True,
    )
    start = utc_datetime(allow_none=True, load_default=None)


def deadlines(ctx: StepContext, **params: Any) -> dict[str, str | None]:
    """``{name: ISO deadline}``: each duration counted from now on ``group``'s calendar.

    A duration given as None (an SLA the decision table leaves out) stays None.
    """
    p = load(DeadlinesParams(), params)
    try:
        calendar = group_calendar(ctx.session, p["group"])
    except NotFound:
        raise bad(
            "group", f"no group {p['group']!r}: lanes and SLAs name existing groups"
        ) from None
    start: datetime = p["start"] or clock_now()
    return {
        name: business_deadline(start, duration, calendar).isoformat() if duration else None
        for name, duration in p["durations"].items()
    }


OPERATORS = (("sla.deadlines", deadlines),)
