"""``python -m clientflow_cli``: the ``clientflow`` command without its console script."""

from .main import cli

cli(prog_name="clientflow")
