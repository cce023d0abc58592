"""The base of the CRM schemas."""

from __future__ import annotations

from marshmallow import RAISE, Schema


class CrmSchema(Schema):
    """Loads validated field values as a dict (handlers apply them to models in a step)
    and dumps models to JSON-able dicts. Unknown fields are an error, not ignored."""

    class Meta:
        unknown = RAISE
