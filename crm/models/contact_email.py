"""One email address of a contact, stored lower-cased so look-ups ignore case."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..base import Base
from ..normalise import normalise_email

if TYPE_CHECKING:
    from .contact import Contact


class ContactEmail(Base):
    """``address`` is normalised on assignment; an invalid one raises ``InvalidEmailError``."""

    __tablename__ = "crm_contact_email"
    __table_args__ = (sa.UniqueConstraint("contact_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(254), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)

    contact: Mapped[Contact] = relationship(back_populates="emails")

    @validates("address")
    def _normalise(self, _key: str, address: str) -> str:
        return normalise_email(address)
