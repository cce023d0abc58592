"""clientflow's process engine: a durable BPMN runtime over SpiffWorkflow.

It knows nothing about CRM entities. ``handlers`` registers service-task
operators into an :class:`OperatorRegistry`; the web layer and workers hold
one :class:`Engine`.
"""

from ._calendar import BusinessCalendar as BusinessCalendar
from ._calendar import business_deadline as business_deadline
from ._clock import ManualClock as ManualClock
from ._clock import now as clock_now
from ._clock import using as using_clock
from ._db import Database as Database
from ._directory import group_calendar as group_calendar
from ._engine import Engine as Engine
from ._errors import Conflict as Conflict
from ._errors import DefinitionError as DefinitionError
from ._errors import EngineError as EngineError
from ._errors import FormInvalid as FormInvalid
from ._errors import InstanceNotActive as InstanceNotActive
from ._errors import NotAllowed as NotAllowed
from ._errors import NotFound as NotFound
from ._errors import OperatorError as OperatorError
from ._errors import Problem as Problem
from ._errors import RequestIdReused as RequestIdReused
from ._errors import SandboxViolation as SandboxViolation
from ._errors import ScriptError as ScriptError
from ._identity import add_group as add_group
from ._identity import add_user as add_user
from ._identity import check_password as check_password
from ._identity import issue_token as issue_token
from ._identity import set_calendar as set_calendar
from ._identity import set_out_of_office as set_out_of_office
from ._identity import user_for_token as user_for_token
from ._membership import LastAdmin as LastAdmin
from ._membership import NotAMember as NotAMember
from ._membership import check_membership_removal as check_membership_removal
from ._membership import remove_membership as remove_membership
from ._operators import OperatorRegistry as OperatorRegistry
from ._operators import StepContext as StepContext

__all__ = [
    "BusinessCalendar",
    "Conflict",
    "Database",
    "DefinitionError",
    "Engine",
    "EngineError",
    "FormInvalid",
    "InstanceNotActive",
    "LastAdmin",
    "ManualClock",
    "NotAMember",
    "NotAllowed",
    "NotFound",
    "OperatorError",
    "OperatorRegistry",
    "Problem",
    "RequestIdReused",
    "SandboxViolation",
    "ScriptError",
    "StepContext",
    "add_group",
    "add_user",
    "business_deadline",
    "check_membership_removal",
    "check_password",
    "clock_now",
    "group_calendar",
    "issue_token",
    "remove_membership",
    "set_calendar",
    "set_out_of_office",
    "user_for_token",
    "using_clock",
]
