"""Admin pages for admins: users, groups, business calendars."""

from .views import bp as bp
