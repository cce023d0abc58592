"""The integration tables: the event journal, the action claims, the outbound calls."""

from .action import IntegrationAction as IntegrationAction
from .base import Base as Base
from .base import metadata as metadata
from .event import EventStatus as EventStatus
from .event import IntegrationEvent as IntegrationEvent
from .outbound_call import CallStatus as CallStatus
from .outbound_call import OutboundCall as OutboundCall
