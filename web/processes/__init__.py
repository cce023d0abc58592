"""Process admin for process owners: versions, live overlays, modeler, diff, download."""

from . import modeler as modeler
from .views import bp as bp
