"""Marshmallow schemas of the CRM models, one module per model (mirroring ``crm.models``).

Loading returns a dict of validated, normalised values; dumping returns JSON-able dicts.
"""

from .article import ArticleSchema as ArticleSchema
from .base import CrmSchema as CrmSchema
from .campaign import CampaignSchema as CampaignSchema
from .campaign_member import CampaignMemberSchema as CampaignMemberSchema
from .case import CaseSchema as CaseSchema
from .change import ChangeSchema as ChangeSchema
from .competitor import CompetitorSchema as CompetitorSchema
from .competitor_product import CompetitorProductSchema as CompetitorProductSchema
from .contact import ContactSchema as ContactSchema
from .contact_email import ContactEmailSchema as ContactEmailSchema
from .contact_phone import ContactPhoneSchema as ContactPhoneSchema
from .customer import CustomerSchema as CustomerSchema
from .deal import DealSchema as DealSchema
from .employee import EmployeeSchema as EmployeeSchema
from .fields import Email as Email
from .fields import Phone as Phone
from .import_run import ImportIssueSchema as ImportIssueSchema
from .import_run import ImportRunSchema as ImportRunSchema
from .interaction import InteractionSchema as InteractionSchema
from .lead import LeadSchema as LeadSchema
from .outbox import AttachmentRefSchema as AttachmentRefSchema
from .outbox import OutboxMessageSchema as OutboxMessageSchema
from .price_list import PriceListSchema as PriceListSchema
from .price_list_item import PriceListItemSchema as PriceListItemSchema
from .product import ProductSchema as ProductSchema
from .quote import QuoteSchema as QuoteSchema
from .quote_line import QuoteLineSchema as QuoteLineSchema
