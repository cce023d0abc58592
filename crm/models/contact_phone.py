"""One phone number of a contact, stored in E.164 so a caller id finds its contact."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..base import Base
from ..normalise import normalise_phone

if TYPE_CHECKING:
    from .contact import Contact


class PhoneKind(enum.StrEnum):
    MOBILE = "mobile"
    WORK = "work"
    HOME = "home"
    OTHER = "other"


class ContactPhone(Base):
    """``number`` is normalised on assignment; an invalid number raises ``InvalidPhoneError``."""

    __tablename__ = "crm_contact_phone"
    __table_args__ = (sa.UniqueConstraint("contact_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_contact.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20), index=True)
    kind: Mapped[PhoneKind] = mapped_column(default=PhoneKind.MOBILE)
    is_primary: Mapped[bool] = mapped_column(default=False)

    contact: Mapped[Contact] = relationship(back_populates="phones")

    @validates("number")
    def _normalise(self, _key: str, number: str) -> str:
        return normalise_phone(number)
