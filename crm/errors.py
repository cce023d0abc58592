"""The CRM's errors: one tree under :class:`CrmError`, domain errors only.

The web layer maps them to HTTP statuses; nothing here knows about HTTP.
"""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error the CRM store raises."""


class OutsideProcessError(CrmError):
    """A CRM row was inserted, updated or deleted outside a process step.

    Customer work happens only inside process steps, so that every change is
    traceable to a process, a task and a person.
    """

    def __init__(self, table: str, action: str) -> None:
        self.table = table
        self.action = action
        super().__init__(
            f"{action} on {table} outside a process step: CRM data changes only inside a"
            " step (session.info['clientflow.step'] is not set). Do this work as a task"
            " of a process, or from a service task handler."
        )


class UntrackedWriteError(CrmError):
    """A write inside a step would bypass the change history.

    Bulk ``insert()/update()/delete()`` statements and raw SQL do not tell the
    CRM which rows and fields they change, so they cannot be recorded.
    """

    def __init__(self, table: str, action: str) -> None:
        self.table = table
        self.action = action
        super().__init__(
            f"{action} on {table} by a bulk or raw SQL statement: it would bypass the change"
            " history. Load the rows and change them through the session (session.add,"
            " attribute assignment, session.delete) so the flush records them."
        )


class ImmutableHistoryError(CrmError):
    """Someone tried to write ``crm_change`` rows directly; the history is append-only."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(
            f"{action} on crm_change: the change history is written only by the CRM itself"
            " when a step flushes, and is never edited."
        )


class InvalidPhoneError(CrmError, ValueError):
    """A phone number that cannot be normalised to E.164."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        super().__init__(f"not a valid phone number: {raw!r}")


class InvalidEmailError(CrmError, ValueError):
    """An email address that is not of the form ``local@domain.tld``."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        super().__init__(f"not a valid email address: {raw!r}")


class NotFoundError(CrmError, LookupError):
    """A record asked for by id does not exist."""

    def __init__(self, entity: str, record_id: object) -> None:
        self.entity = entity
        self.record_id = record_id
        super().__init__(f"no {entity} with id {record_id!r}")
