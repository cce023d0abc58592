"""The run-time checks of the script sandbox: the guards the rewritten code calls.

``engine._sandbox_rewrite`` rewrites a script so that every risky operation
(``*``, ``**``, ``+``, ``%``, ``<<``, f-strings, attribute access, star-unpacking,
``obj[k] op= v``) calls a guard by a hidden name. :class:`Guards` implements those
guards and the guarded builtins; its :meth:`~Guards.namespace` maps the hidden
names to them. The names are the ``*_GUARD`` constants below, which the rewrite
imports, so that a guard name cannot drift between the two sides.

The size estimates themselves are in ``engine._sandbox_limits``.
"""

from __future__ import annotations

import builtins
import itertools
import operator
import re
from collections.abc import Callable, Collection, Iterable
from datetime import date
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from engine._sandbox_limits import (
    MISSING,
    SEQUENCE_TYPES,
    TEXT_TYPES,
    SizeLimits,
    Violation,
    ticking,
)

# The hidden names the rewrite injects (``engine._sandbox_rewrite``); scripts cannot
# name them (no names starting with '_'). ``_tick_`` is the per-call Budget.tick.
TICK_GUARD = "_tick_"
ADD_GUARD = "_add_"
MUL_GUARD = "_mul_"
POW_GUARD = "_pow_"
LSHIFT_GUARD = "_lshift_"
MOD_GUARD = "_mod_"
AUGITEM_GUARD = "_augitem_"
FORMAT_GUARD = "_format_"
FSTRING_GUARD = "_fstring_"
STARS_GUARD = "_stars_"

_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}
_CONVERSIONS: dict[int, Callable[[Any], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


# --- builtins stand-ins ---------------------------------------------------------------


class Forbidden:
    """Stand-in for a builtin scripts may not use (open, eval, type...): any use is refused."""

    __slots__ = ("_message",)

    def __init__(self, message: str) -> None:
        self._message = message

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise Violation(self._message)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # keep copy/pickle/inspection protocols working
            raise AttributeError(name)
        raise Violation(self._message)

    def __repr__(self) -> str:
        return f"<{self._message}>"


class _GuardedTypeMeta(type):
    """Metaclass of stand-ins for ``int``/``str``: calls are guarded, the rest is the real type.

    A plain guard function would break ``isinstance(x, str)`` and ``str.upper``.
    """

    real: type
    guard: Callable[..., Any]

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls.real)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.guard(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.real, name)

    def __repr__(cls) -> str:
        return repr(cls.real)


def guarded_type(real: type, guard: Callable[..., Any]) -> type:
    """A stand-in for ``real`` whose calls go through ``guard``."""
    return _GuardedTypeMeta(real.__name__, (), {"real": real, "guard": staticmethod(guard)})


Checker = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]


class Guards(SizeLimits):
    """The run-time guards for one environment's limits; no per-call state, so threads share it."""

    def __init__(self, max_sequence: int, max_int_bits: int) -> None:
        super().__init__(max_sequence, max_int_bits)
        self._methods: dict[str, tuple[tuple[type, ...], Checker]] = {
            "ljust": (TEXT_TYPES, self._check_width),
            "rjust": (TEXT_TYPES, self._check_width),
            "center": (TEXT_TYPES, self._check_width),
            "zfill": (TEXT_TYPES, self._check_width),
            "expandtabs": (TEXT_TYPES, self._check_expandtabs),
            "replace": (TEXT_TYPES, self._check_replace),
            "join": (TEXT_TYPES, self._check_join),
            "translate": ((str,), self._check_translate),
            "extend": ((list,), self._check_extend),
            "sort": ((list,), self._check_sort),
            "to_bytes": ((int,), self._check_to_bytes),
            "from_bytes": ((int,), self._check_from_bytes),
            "as_integer_ratio": ((Decimal,), self._check_ratio),
            "strftime": ((date, clock_time), self._check_strftime),
        }
        self._inplace_checks: dict[str, Callable[[Any, Any], None]] = {
            "+=": self._check_extend_by,
            "*=": self._check_mul,
            "**=": self._check_pow,
            "<<=": self._check_lshift,
            "%=": self._check_mod,
        }

    def namespace(self) -> dict[str, Any]:
        """The hidden names the transformed code calls (``_tick_`` is added per call).

        The ``*_GUARD`` names are ours; the others are RestrictedPython's.
        """
        return {
            "_getattr_": self.getattr_,
            "_getitem_": operator.getitem,
            "_write_": full_write_guard,
            "_getiter_": iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_apply_": _apply,
            "_inplacevar_": self.inplacevar,
            AUGITEM_GUARD: self.augitem,
            ADD_GUARD: self.add,
            MUL_GUARD: self.mul,
            POW_GUARD: self.pow_,
            LSHIFT_GUARD: self.lshift,
            MOD_GUARD: self.mod,
            FORMAT_GUARD: self.format_,
            FSTRING_GUARD: self.fstring,
            STARS_GUARD: self.stars,
        }

    # -- operators --

    def add(self, a: Any, b: Any) -> Any:
        self._check_add(a, b)
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        self._check_mul(a, b)
        return a * b

    def pow_(self, a: Any, b: Any, mod: Any = None) -> Any:
        self._check_pow(a, b, mod)
        return a**b if mod is None else pow(a, b, mod)

    def lshift(self, a: Any, b: Any) -> Any:
        self._check_lshift(a, b)
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        self._check_mod(a, b)
        return a % b

    def inplacevar(self, op: str, x: Any, y: Any) -> Any:
        """``x op= y``, with the same checks as the plain operators."""
        check = self._inplace_checks.get(op)
        if check is not None:
            check(x, y)
        return _INPLACE[op](x, y)

    def augitem(self, obj: Any, key: Any, op: str, value: Any) -> None:
        """``obj[key] op= value`` (RestrictedPython alone refuses augmented item assignment)."""
        full_write_guard(obj)[key] = self.inplacevar(op, obj[key], value)

    # -- text --

    def format_(self, value: Any, conversion: int, spec: str) -> str:
        """One ``{value!conversion:spec}`` of an f-string."""
        if conversion != -1:
            self.check_text(value)
            value = _CONVERSIONS[conversion](value)
        if type(value) is str and not spec:
            return value
        if not spec:
            self.check_text(value)
        self.check_len(max((int(n) for n in re.findall(r"\d+", spec)), default=0), "")
        if isinstance(value, Decimal):
            self.check_decimal(value)
        elif isinstance(value, (date, clock_time)):
            self.check_len(len(spec) * 16, "", "about ")
        return format(value, spec)

    def stars(self, *parts: Any) -> tuple[Any, ...]:
        """``[*a, *b]`` and ``f(*a, *b)``: check the total length before concatenating."""
        sized = [p if isinstance(p, Collection) else tuple(p) for p in parts]
        self.check_len(sum(len(p) for p in sized))
        return tuple(itertools.chain.from_iterable(sized))

    def fstring(self, *parts: str) -> str:
        self.check_len(sum(len(p) for p in parts), "")
        return "".join(parts)

    # -- attribute access --

    def getattr_(self, obj: Any, name: Any, default: Any = MISSING) -> Any:
        """``obj.name``: no private/dunder or frame attributes; amplifying methods checked."""
        if type(name) is not str:
            raise TypeError("attribute name must be a string")
        if name.startswith("_"):
            raise Violation(f"attributes starting with '_' are not allowed in scripts (.{name})")
        if name in INSPECT_ATTRIBUTES or name == "mro":
            raise Violation(f"attribute '.{name}' is not allowed in scripts")
        if type(obj) is _GuardedTypeMeta:
            obj = obj.real
        if name in ("format", "format_map") and (
            isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))
        ):
            raise Violation("str.format() is not allowed in scripts; use an f-string instead")
        if name in self._methods and (guarded := self._guarded_method(obj, name)) is not None:
            return guarded
        return getattr(obj, name) if default is MISSING else getattr(obj, name, default)

    def hasattr_(self, obj: Any, name: Any) -> bool:
        try:
            self.getattr_(obj, name)
        except AttributeError:
            return False
        return True

    def _guarded_method(self, obj: Any, name: str) -> Callable[..., Any] | None:
        """Wrap a method that can build a huge result, bound (``s.ljust``) or unbound."""
        types, check = self._methods[name]
        is_type = isinstance(obj, type) and issubclass(obj, types)
        if isinstance(obj, types) or (is_type and name == "from_bytes"):
            method, target = getattr(obj, name), obj

            def bound(*args: Any, **kwargs: Any) -> Any:
                args, kwargs = check(target, args, kwargs)
                return method(*args, **kwargs)

            return bound
        if is_type:
            function = getattr(obj, name)

            def unbound(inst: Any, *args: Any, **kwargs: Any) -> Any:
                if isinstance(inst, types):
                    args, kwargs = check(inst, args, kwargs)
                return function(inst, *args, **kwargs)

            return unbound
        return None

    # -- guarded builtins --

    def range_(self, *args: Any) -> range:
        r = range(*args)
        step = r.step
        n = (r.stop - r.start + step - (1 if step > 0 else -1)) // step
        if n > self.max_sequence:  # not check_len: a range is lazy and costs no memory
            self.check_len(n)
        return r

    def sum_(self, iterable: Iterable[Any], /, start: Any = 0) -> Any:
        if not isinstance(start, SEQUENCE_TYPES):
            return sum(iterable, start)
        items = list(iterable)
        self.check_len(
            len(start) + sum(len(i) for i in items if isinstance(i, SEQUENCE_TYPES)), start
        )
        return sum(items, start)

    def str_(self, *args: Any, **kwargs: Any) -> str:
        if len(args) + len(kwargs) == 1:
            self.check_text(args[0] if args else kwargs.get("object"))
        return str(*args, **kwargs)

    def repr_(self, obj: Any) -> str:
        self.check_text(obj)
        return repr(obj)

    def int_(self, *args: Any, **kwargs: Any) -> int:
        if args and isinstance(args[0], Decimal):
            self.check_decimal(args[0])
        elif args and isinstance(args[0], TEXT_TYPES):  # in case the host lifted Python's own limit
            self.check_bits(len(args[0]) * 3.33)
        return int(*args, **kwargs)

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if ndigits is None and isinstance(number, Decimal):
            self.check_decimal(number)
        return round(number) if ndigits is None else round(number, ndigits)

    def iter_(self, obj: Any, *sentinel: Any) -> Any:
        return iter(ticking(obj), *sentinel) if sentinel else iter(obj)

    def map_(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Any:
        return map(ticking(fn), *iterables)

    def filter_(self, fn: Callable[[Any], Any] | None, iterable: Iterable[Any]) -> Any:
        return filter(None if fn is None else ticking(fn), iterable)

    def sorted_(self, iterable: Iterable[Any], /, **kwargs: Any) -> list[Any]:
        return sorted(iterable, **self._keyed(kwargs))

    def min_(self, *args: Any, **kwargs: Any) -> Any:
        return min(*args, **self._keyed(kwargs))

    def max_(self, *args: Any, **kwargs: Any) -> Any:
        return max(*args, **self._keyed(kwargs))

    @staticmethod
    def _keyed(kwargs: dict[str, Any]) -> dict[str, Any]:
        if kwargs.get("key") is not None:
            kwargs["key"] = ticking(kwargs["key"])
        return kwargs


_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})


def internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """``__import__`` for C code only: ``date.strftime`` imports ``time`` via the caller's builtins.

    Scripts cannot name ``__import__`` (compile-time rule); this refuses all else anyway.
    """
    if name not in _INTERNAL_IMPORTS:
        raise Violation("imports are not allowed in scripts")
    return builtins.__import__(name, *args, **kwargs)


def _apply(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``f(*a, **k)``: RestrictedPython routes star-calls through here."""
    return fn(*args, **kwargs)
