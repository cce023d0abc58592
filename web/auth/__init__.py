"""Authentication and roles: sessions for pages, bearer tokens for the API.

``init_auth(app)`` binds it; views use ``login_required``, ``roles_required``
and ``current_user``; the API's token endpoint uses ``authenticate`` (rate
limited like the login page).
"""

from .access import current_user as current_user
from .access import login_required as login_required
from .access import roles_required as roles_required
from .access import signed_in_user as signed_in_user
from .setup import TooManyAttempts as TooManyAttempts
from .setup import authenticate as authenticate
from .setup import csrf as csrf
from .setup import init_auth as init_auth
from .user import WebUser as WebUser
from .views import bp as bp
