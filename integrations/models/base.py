"""Declarative base of the integration tables, on a MetaData of their own.

Like the engine and the CRM, integrations create and migrate only what they own;
every table name starts with ``integration_``. Times are the engine's UTC type,
which refuses naive datetimes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from engine.models import UtcDateTime as UtcDateTime
from engine.models import utcnow as utcnow


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UtcDateTime()}


metadata = Base.metadata
