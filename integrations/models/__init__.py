"""The integration tables: the event journal and the action claims."""

from .action import IntegrationAction as IntegrationAction
from .base import Base as Base
from .base import metadata as metadata
from .event import EventStatus as EventStatus
from .event import IntegrationEvent as IntegrationEvent
