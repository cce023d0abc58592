"""The start page: the processes a user may start, each with its start form."""

from .views import bp as bp
