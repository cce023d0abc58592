"""Read queries over the CRM store. Reading needs no step."""

from .contacts import find_contacts_by_email as find_contacts_by_email
from .contacts import find_contacts_by_phone as find_contacts_by_phone
from .customer_card import CARD_STATEMENTS as CARD_STATEMENTS
from .customer_card import customer_card as customer_card
from .dedup import COMPANY_MATCH_THRESHOLD as COMPANY_MATCH_THRESHOLD
from .dedup import Match as Match
from .dedup import MatchBy as MatchBy
from .dedup import match_customer as match_customer
