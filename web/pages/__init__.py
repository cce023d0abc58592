"""Server-rendered pages (the inbox, forms and admin pages arrive with the web app)."""

from .views import bp as bp
