"""The engine's tables. Each module holds one model and its enums."""

from .audit import AuditEntry as AuditEntry
from .base import Base as Base
from .base import UtcDateTime as UtcDateTime
from .base import metadata as metadata
from .base import utcnow as utcnow
from .calendar import CalendarRow as CalendarRow
from .correlation import MessageSubscription as MessageSubscription
from .definition import ProcessVersion as ProcessVersion
from .identity import ApiToken as ApiToken
from .identity import Group as Group
from .identity import Membership as Membership
from .identity import User as User
from .incident import Incident as Incident
from .instance import Instance as Instance
from .instance import InstanceStatus as InstanceStatus
from .job import Job as Job
from .job import JobKind as JobKind
from .request_key import RequestKey as RequestKey
from .work_item import WorkItem as WorkItem
from .work_item import WorkItemStatus as WorkItemStatus
