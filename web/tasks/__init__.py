"""The task page: form, customer, instructions and diagram; claim, unclaim, reassign."""

from .views import bp as bp
