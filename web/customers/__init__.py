"""The customer card: contacts, deals, cases, campaigns, timeline, tasks, history."""

from .views import bp as bp
