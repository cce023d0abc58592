"""Dedup: find the customer a new lead, caller or sender already is, instead of a twin.

Signals are tried strongest first: the phone number (normalised to E.164), then
the email address (lower-cased), then the company name. Names are compared by
their key (transliterated, lower-cased, legal forms such as LLC/OOO/GmbH
removed) with rapidfuzz's ``token_sort_ratio``; a score of at least
:data:`COMPANY_MATCH_THRESHOLD` (90) is a match, so "Romashka LLC",
"romashka, llc" and the Cyrillic "OOO Romashka" are one company, while "Romashka Trade"
is another.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from ..models.contact import Contact
from ..models.customer import Customer
from ..normalise import company_key
from .contacts import find_contacts_by_email, find_contacts_by_phone

COMPANY_MATCH_THRESHOLD = 90.0
EXACT = 100.0


class MatchBy(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    COMPANY = "company"


@dataclass(frozen=True)
class Match:
    """The existing customer to attach to.

    ``candidates`` lists every customer that matched as well as this one (for
    instance a shared office phone); more than one means a person should confirm.
    """

    customer_id: int
    contact_id: int | None
    by: MatchBy
    score: float
    candidates: tuple[int, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def match_customer(
    session: Session,
    *,
    phone: str | None = None,
    email: str | None = None,
    company: str | None = None,
) -> Match | None:
    """The existing customer these details belong to, or ``None`` for a new one."""
    by_email = (
        _by_contacts(find_contacts_by_email(session, email), MatchBy.EMAIL) if email else None
    )
    if phone:
        by_phone = _by_contacts(find_contacts_by_phone(session, phone), MatchBy.PHONE)
        if by_phone is not None:
            return _prefer_confirmed(by_phone, by_email)
    if by_email is not None:
        return by_email
    return _by_company(session, company) if company else None


def _by_contacts(contacts: Sequence[Contact], by: MatchBy) -> Match | None:
    """The oldest matching contact's customer; all matching customers as candidates."""
    if not contacts:
        return None
    customers = tuple(dict.fromkeys(contact.customer_id for contact in contacts))
    return Match(customers[0], contacts[0].id, by, EXACT, customers)


def _prefer_confirmed(by_phone: Match, by_email: Match | None) -> Match:
    """Among customers sharing a phone, take the one the email also points to."""
    if not by_phone.ambiguous or by_email is None:
        return by_phone
    if by_email.customer_id in by_phone.candidates:
        return Match(
            by_email.customer_id, by_email.contact_id, MatchBy.PHONE, EXACT, (by_email.customer_id,)
        )
    return by_phone


def _by_company(session: Session, company: str) -> Match | None:
    key = company_key(company)
    if not key:
        return None
    names: dict[int, str] = dict(session.execute(_similar_length(key)).all())
    found = process.extract(
        key, names, scorer=fuzz.token_sort_ratio, score_cutoff=COMPANY_MATCH_THRESHOLD, limit=None
    )
    if not found:
        return None
    best = max(score for _name, score, _id in found)
    candidates = tuple(sorted(cid for _name, score, cid in found if score == best))
    return Match(candidates[0], None, MatchBy.COMPANY, best, candidates)


def _similar_length(key: str) -> sa.Select[int, str]:
    """Customers whose name key is long enough or short enough to reach the threshold.

    ``ratio >= T`` needs ``|a - b| <= (1 - T/100) * (a + b)`` for lengths a, b,
    so the database skips the rest; the bound is widened by one for rounding.
    """
    share = COMPANY_MATCH_THRESHOLD / (200 - COMPANY_MATCH_THRESHOLD)
    shortest = math.floor(len(key) * share) - 1
    longest = math.ceil(len(key) / share) + 1
    return (
        sa.select(Customer.id, Customer.name_key)
        .where(sa.func.length(Customer.name_key).between(shortest, longest))
        .order_by(Customer.id)
    )
