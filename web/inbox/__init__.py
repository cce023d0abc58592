"""The inbox pages: lists, counts in the navigation, calendar, live refresh."""

from .views import bp as bp
