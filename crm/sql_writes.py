"""Recognise SQL text that writes a CRM table, for guards that only see strings."""

from __future__ import annotations

import functools
import re

_WRITE = re.compile(
    r"""\b(?P<action>insert\s+(?:or\s+\w+\s+)?into|replace\s+into|merge\s+into
        |update(?:\s+only)?|delete\s+from(?:\s+only)?|truncate(?:\s+table)?(?:\s+only)?)
        \s+(?:[`"\[]?\w+[`"\]]?\.)?[`"\[]?(?P<table>crm_\w*)""",
    re.IGNORECASE | re.VERBOSE,
)


@functools.lru_cache(maxsize=4096)
def crm_write_in_sql(sql: str) -> tuple[str, str] | None:
    """``(table, action)`` of the first write to a ``crm_`` table in ``sql``, else ``None``.

    Matches ``INSERT [OR ...] INTO``, ``REPLACE INTO``, ``MERGE INTO``, ``UPDATE``,
    ``DELETE FROM`` and ``TRUNCATE`` anywhere in the text (so also in a ``WITH``
    clause or after another statement), with an optional schema prefix and quotes.
    It errs on the safe side: a string literal that looks like such a write also
    matches.
    """
    match = _WRITE.search(sql)
    if match is None:
        return None
    action = match["action"].split()[0].lower()
    return match["table"].lower(), action
