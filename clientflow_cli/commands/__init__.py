"""The ``clientflow`` sub-commands, one module per family."""
