"""clientflow's CRM store: customers and everything the company knows about them.

Rows change only inside process steps (:class:`OutsideProcessError` otherwise) and
every change is recorded with its instance, task and user (:func:`history`).
Models live in :mod:`crm.models`, schemas in :mod:`crm.schemas`.
"""

from . import changes as _changes  # noqa: F401  (registers the change recorder)
from . import guard as _guard  # noqa: F401  (registers the session write guard)
from . import models as models
from . import outbox as outbox
from . import schemas as schemas
from .base import Base as Base
from .base import metadata as metadata
from .bulk import insert_rows as insert_rows
from .connection_guard import install_guard as install_guard
from .errors import CrmError as CrmError
from .errors import ImmutableHistoryError as ImmutableHistoryError
from .errors import InvalidEmailError as InvalidEmailError
from .errors import InvalidPhoneError as InvalidPhoneError
from .errors import NotFoundError as NotFoundError
from .errors import OutsideProcessError as OutsideProcessError
from .errors import UntrackedWriteError as UntrackedWriteError
from .history import history as history
from .normalise import company_key as company_key
from .normalise import normalise_email as normalise_email
from .normalise import normalise_phone as normalise_phone
from .numbering import next_case_number as next_case_number
from .numbering import next_quote_number as next_quote_number
from .queries import COMPANY_MATCH_THRESHOLD as COMPANY_MATCH_THRESHOLD
from .queries import Match as Match
from .queries import MatchBy as MatchBy
from .queries import customer_card as customer_card
from .queries import find_contacts_by_email as find_contacts_by_email
from .queries import find_contacts_by_phone as find_contacts_by_phone
from .queries import match_customer as match_customer
from .step import STEP_KEY as STEP_KEY
from .step import StepInfo as StepInfo
from .step import current_step as current_step
