"""The REST API under ``/api`` (JSON; see API.md)."""

from .views import bp as bp
