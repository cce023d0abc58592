"""Demo data beyond the organisation: customers and running instances of each process.

Each area module (``sales``, ``service``) has ``seed(engine)``; seeding is
idempotent, so ``clientflow demo`` can run any number of times.
"""

from __future__ import annotations

import importlib

from engine import Engine

AREAS = ("sales", "service")


def seed_all(engine: Engine) -> list[str]:
    """Run every area's ``seed``; returns the areas seeded (a missing module is skipped)."""
    seeded: list[str] = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"{__name__}.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{area}":
                raise
            continue
        seed = getattr(module, "seed", None)
        if seed is not None:
            seed(engine)
            seeded.append(area)
    return seeded
