"""``python -m benchmarks.<suite> [--json] [--quick]``: one suite without the CLI.

Prints what ``clientflow bench <suite>`` prints, so the two can be compared.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from . import Suite


def main(suite: Suite, doc: str | None, quick: str, argv: Sequence[str] | None = None) -> int:
    """Parse ``--json``/``--quick``, run ``suite``, print its figures as JSON when asked.

    ``doc`` is the suite module's docstring; its first line describes the command.
    """
    parser = argparse.ArgumentParser(description=(doc or "").split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    parser.add_argument("--quick", action="store_true", help=quick)
    args = parser.parse_args(argv)
    figures = suite(json_output=args.json, quick=args.quick)
    if args.json:
        print(json.dumps(figures, sort_keys=True, default=str))
    return 0
