"""Operations for admins: instance list, instance page, incidents and their fixes, and the
channels' failed events and messages."""

from . import channels as channels  # registers the channels page on ``bp``
from .views import bp as bp
