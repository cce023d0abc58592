"""Operations for admins: instance list, instance page, incidents and their fixes."""

from .views import bp as bp
