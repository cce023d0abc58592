"""Telephony and email: verify, normalise, journal, correlate.

Hooks and receivers turn what arrives into an :class:`InboundEvent`;
:meth:`Integrations.ingest` journals it (committed, once per provider id) and
hands it to background processing, which correlates it with processes through
the table in :mod:`integrations.rules`.
"""

from .email_parse import ParsedEmail as ParsedEmail
from .email_parse import email_event as email_event
from .email_parse import parse_email as parse_email
from .errors import BadSignature as BadSignature
from .errors import CallInProgress as CallInProgress
from .errors import EventNotFound as EventNotFound
from .errors import IntegrationError as IntegrationError
from .errors import NotConfigured as NotConfigured
from .errors import ProviderError as ProviderError
from .errors import UnreadableEvent as UnreadableEvent
from .events import InboundEvent as InboundEvent
from .models import metadata as metadata
from .rules import Rules as Rules
from .rules import load_rules as load_rules
from .service import Integrations as Integrations
from .signing import sign as sign
from .signing import verify as verify
from .signing import verify_twilio as verify_twilio
from .tasks import celery_dispatcher as celery_dispatcher
from .tasks import register_tasks as register_tasks
from .telephony import parse_generic as parse_generic
from .telephony import parse_twilio as parse_twilio

__all__ = [
    "BadSignature",
    "CallInProgress",
    "EventNotFound",
    "InboundEvent",
    "IntegrationError",
    "Integrations",
    "NotConfigured",
    "ParsedEmail",
    "ProviderError",
    "Rules",
    "UnreadableEvent",
    "celery_dispatcher",
    "email_event",
    "load_rules",
    "metadata",
    "parse_email",
    "parse_generic",
    "parse_twilio",
    "register_tasks",
    "sign",
    "verify",
    "verify_twilio",
]
