"""The guards of the script sandbox: the AST rewrite and the run-time checks it calls.

:class:`SandboxTransformer` rewrites a parsed script so that every risky operation
(``*``, ``**``, ``+``, ``%``, ``<<``, f-strings, attribute access, loops, function
bodies, comprehensions) calls a guard. :class:`Guards` implements those guards
and the guarded builtins. Both sides of that contract live in this one module so
that a guard name cannot drift between them.

Rule violations raise :class:`Violation`, a ``BaseException``: a script's
``except Exception`` (bare ``except:`` is rewritten to that) cannot swallow it.
The environment in ``engine._sandbox`` turns it into a ``SandboxViolation``.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import math
import operator
import re
import sys
import threading
import time
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
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

from engine._errors import SandboxViolation

SCRIPT_FILENAME = "<bpmn script>"
_MISSING: Any = object()
_TEXT = (str, bytes, bytearray)
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_CONTAINERS: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)
_BINOP_GUARDS: dict[type[ast.operator], str] = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
}
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
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_ACCOUNT_FROM = 1000  # results this large count towards the per-call total (Guards._account)
_perf = time.perf_counter


class Violation(BaseException):
    """A sandbox rule was broken at run time; uncatchable by ``except Exception``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _count(n: float) -> str:
    """Print a count without ever converting a giant int to text."""
    return str(int(n)) if n < 10**18 else "more than 10**18"


# --- CPU budget ------------------------------------------------------------------------

_ACTIVE = threading.local()


class Budget:
    """The CPU budget of one call, checked by ``_tick_()`` in loops and function bodies.

    Signals and timers only work on the main thread, so the guard polls instead.
    ``perf_counter`` is cheap and wall time never runs slower than the thread's
    CPU time, so the costly ``thread_time`` is read only when the wall-clock
    deadline passes, which then moves to the CPU time still left.
    """

    def __init__(self, cpu_seconds: float, kind: str) -> None:
        self.cpu_seconds = cpu_seconds
        self.kind = kind
        self.exceeded = False
        self.closed = False
        self.line: int | None = None
        self.created = 0  # items of large results built so far (see Guards._account)
        self._cpu_start: float | None = None
        self._wall_deadline = -math.inf  # the first tick starts the clock
        self._previous: Budget | None = None

    @property
    def message(self) -> str:
        return f"{self.kind} ran longer than {self.cpu_seconds} s of CPU time"

    def tick(self) -> bool:
        """Hot path: one clock read and a compare. True, so it can sit in ``and``/``if``."""
        if _perf() >= self._wall_deadline:
            self._check()
        return True

    def _check(self) -> None:
        if self.closed:
            raise SandboxViolation("a function made by a script cannot be used after it finished")
        now = time.thread_time()
        if self._cpu_start is None:
            self._cpu_start = now
        used = now - self._cpu_start
        if self.exceeded or used >= self.cpu_seconds:
            if not self.exceeded:
                self.exceeded, self.line = True, _script_line()
            self._wall_deadline = -math.inf  # sticky: every later tick fails too
            raise Violation(self.message)
        self._wall_deadline = _perf() + max(self.cpu_seconds - used, 0.001)

    def __enter__(self) -> Budget:
        self._previous = getattr(_ACTIVE, "budget", None)
        _ACTIVE.budget = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        _ACTIVE.budget = self._previous
        self.closed, self._wall_deadline = True, -math.inf


def _script_line() -> int | None:
    """The line of the innermost script frame on the stack (for CPU violations)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != SCRIPT_FILENAME:
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_lineno if frame is not None else None


def _ticking(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback that C code (map, sorted, iter...) calls, so it spends the budget."""
    budget = getattr(_ACTIVE, "budget", None)
    if budget is None or budget.closed:
        raise SandboxViolation("a function made by a script cannot be used after it finished")
    tick = budget.tick

    def call(*args: Any, **kwargs: Any) -> Any:
        tick()
        return fn(*args, **kwargs)

    return call


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


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    """Positional-or-keyword argument of a guarded method, or _MISSING."""
    return args[index] if len(args) > index else kwargs.get(name, _MISSING)


def _same_kind(text: object, other: object) -> bool:
    """Is ``other`` a str for a str (bytes for bytes), as str/bytes methods require?"""
    return (
        isinstance(other, str) if isinstance(text, str) else isinstance(other, (bytes, bytearray))
    )


Checker = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]


class Guards:
    """The run-time guards for one environment's limits; no per-call state, so threads share it."""

    def __init__(self, max_sequence: int, max_int_bits: int) -> None:
        self.max_sequence = max_sequence
        self.max_int_bits = max_int_bits
        self.max_total = 10 * max_sequence
        self._methods: dict[str, tuple[tuple[type, ...], Checker]] = {
            "ljust": (_TEXT, self._check_width),
            "rjust": (_TEXT, self._check_width),
            "center": (_TEXT, self._check_width),
            "zfill": (_TEXT, self._check_width),
            "expandtabs": (_TEXT, self._check_expandtabs),
            "replace": (_TEXT, self._check_replace),
            "join": (_TEXT, self._check_join),
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
        """The hidden names the transformed code calls (``_tick_`` is added per call)."""
        return {
            "_getattr_": self.getattr_,
            "_getitem_": operator.getitem,
            "_write_": full_write_guard,
            "_getiter_": iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_apply_": _apply,
            "_inplacevar_": self.inplacevar,
            "_augitem_": self.augitem,
            "_add_": self.add,
            "_mul_": self.mul,
            "_pow_": self.pow_,
            "_lshift_": self.lshift,
            "_mod_": self.mod,
            "_format_": self.format_,
            "_fstring_": self.fstring,
            "_stars_": self.stars,
        }

    # -- size checks --

    def check_len(
        self, n: int, sample: object = None, qualifier: str = "", *, grows_by: int | None = None
    ) -> None:
        """Refuse a result of more than ``max_sequence`` items before it is built."""
        if n > self.max_sequence:
            unit = "characters" if isinstance(sample, str) else "items"
            if isinstance(sample, (bytes, bytearray)):
                unit = "bytes"
            raise Violation(
                f"result would be too large: {qualifier}{_count(n)} {unit} "
                f"(limit {self.max_sequence})"
            )
        grown = n if grows_by is None else grows_by
        if grown >= _ACCOUNT_FROM:
            self._account(grown)

    def _account(self, n: int) -> None:
        """Count what a call builds: ``x.append('a' * 10**7)`` in a loop would fill memory."""
        budget: Budget | None = getattr(_ACTIVE, "budget", None)
        if budget is None:
            return
        budget.created += n
        if budget.created > self.max_total:
            raise Violation(
                f"{budget.kind} built too much data: more than {self.max_total} items in total"
            )

    def check_bits(self, bits: float) -> None:
        """Refuse an integer of more than ``max_int_bits`` bits before it is computed."""
        if bits > self.max_int_bits:
            raise Violation(
                f"number would be too large: about {_count(bits * 0.30103)} digits "
                f"(limit {_count(self.max_int_bits * 0.30103)} digits)"
            )

    def check_decimal(self, value: Decimal) -> None:
        """Refuse turning a Decimal with a giant exponent into an int or fixed-point text."""
        if value.is_finite() and value:
            self.check_bits(abs(value.adjusted()) * 3.33)

    def check_text(self, obj: object) -> None:
        """Refuse ``str``/``repr`` of an object whose text would be too large."""
        if type(obj) in (str, float, bool, type(None)):
            return
        self.check_len(text_size(obj, self.max_sequence), "", "at least ")

    # -- operators --

    def _check_add(self, a: Any, b: Any) -> None:
        if isinstance(a, _SEQUENCES) and hasattr(b, "__len__"):
            self.check_len(len(a) + len(b), a)

    def _check_extend_by(self, a: Any, b: Any) -> None:
        """``s += x`` replaces ``s``: only the growth counts towards the per-call total."""
        if isinstance(a, _SEQUENCES) and hasattr(b, "__len__"):
            self.check_len(len(a) + len(b), a, grows_by=len(b))

    def add(self, a: Any, b: Any) -> Any:
        self._check_add(a, b)
        return a + b

    def _check_mul(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, int):
            self.check_bits(a.bit_length() + b.bit_length() - 1)
        elif isinstance(a, _SEQUENCES) and isinstance(b, int):
            self.check_len(len(a) * b, a)
        elif isinstance(b, _SEQUENCES) and isinstance(a, int):
            self.check_len(len(b) * a, b)

    def mul(self, a: Any, b: Any) -> Any:
        self._check_mul(a, b)
        return a * b

    def _check_pow(self, a: Any, b: Any, mod: Any = None) -> None:
        if not (isinstance(a, int) and isinstance(b, int)) or b <= 0:
            return
        if mod is not None:  # modular: cost grows with exponent bits x modulus bits
            if isinstance(mod, int) and b.bit_length() * max(mod.bit_length(), 64) > (
                64 * self.max_int_bits
            ):
                self.check_bits(math.inf)
        elif abs(a) > 1:
            self.check_bits(math.inf if b.bit_length() > 60 else b * math.log2(abs(a)))

    def pow_(self, a: Any, b: Any, mod: Any = None) -> Any:
        self._check_pow(a, b, mod)
        return a**b if mod is None else pow(a, b, mod)

    def _check_lshift(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            self.check_bits(a.bit_length() + b)

    def lshift(self, a: Any, b: Any) -> Any:
        self._check_lshift(a, b)
        return a << b

    def _check_mod(self, fmt: Any, args: Any) -> None:
        """``'%10000000000d' % 1`` or ``'%s%s' % (s, s)``: estimate the text first."""
        if not isinstance(fmt, _TEXT):
            return
        text = fmt if isinstance(fmt, str) else bytes(fmt).decode("latin-1")
        values = [args]
        if isinstance(args, (tuple, dict)):
            values = list(args.values() if isinstance(args, dict) else args)
        size, star = len(text), False
        for match in _PRINTF_SPEC.finditer(text):
            for number in match.group(1, 2):
                star = star or number == "*"
                size += int(number) if number and number != "*" else 0
        if star:
            size += sum(abs(v) for v in values if isinstance(v, int))
        for value in values:
            if isinstance(value, Decimal):  # %d turns it into an int
                self.check_decimal(value)
            size += text_size(value, self.max_sequence)
            self.check_len(size, fmt, "at least ")

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

    def getattr_(self, obj: Any, name: Any, default: Any = _MISSING) -> Any:
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
        return getattr(obj, name) if default is _MISSING else getattr(obj, name, default)

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

    def _check_width(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        width = _arg(args, kwargs, 0, "width")
        if isinstance(width, int):
            self.check_len(width, text)
        return args, kwargs

    def _check_expandtabs(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        size = _arg(args, kwargs, 0, "tabsize")
        size = 8 if size is _MISSING else size
        if isinstance(size, int):
            tabs = text.count("\t" if isinstance(text, str) else b"\t")
            self.check_len(len(text) + tabs * max(size, 0), text)
        return args, kwargs

    def _check_replace(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        old, new, count = _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new"), -1
        if _same_kind(text, old) and _same_kind(text, new):
            found = text.count(old)
            count = _arg(args, kwargs, 2, "count")
            if isinstance(count, int) and count >= 0:
                found = min(found, count)
            self.check_len(len(text) + found * max(len(new) - len(old), 0), text)
        return args, kwargs

    def _check_join(self, sep: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if len(args) != 1 or kwargs:
            return args, kwargs
        items = list(args[0])
        size = sum(len(i) for i in items if isinstance(i, _TEXT))
        self.check_len(size + len(sep) * max(len(items) - 1, 0), sep)
        return (items,), {}

    def _check_translate(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        table = _arg(args, kwargs, 0, "table")
        values = table.values() if isinstance(table, dict) else table
        if isinstance(values, (list, tuple, type({}.values()))):
            longest = max((len(v) for v in values if isinstance(v, str)), default=1)
            self.check_len(len(text) * max(longest, 1), text, "about ")
        return args, kwargs

    def _check_extend(self, items: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if len(args) == 1 and not kwargs:
            other = args[0] if hasattr(args[0], "__len__") else list(args[0])
            self.check_len(len(items) + len(other), items, grows_by=len(other))
            return (other,), {}
        return args, kwargs

    def _check_sort(self, items: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs.get("key") is not None:
            kwargs = {**kwargs, "key": _ticking(kwargs["key"])}
        return args, kwargs

    def _check_to_bytes(self, number: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        length = _arg(args, kwargs, 0, "length")
        if isinstance(length, int):
            self.check_len(length, b"")
        return args, kwargs

    def _check_from_bytes(self, cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        data = _arg(args, kwargs, 0, "bytes")
        if data is not _MISSING and not hasattr(data, "__len__"):
            data = list(data)
            args = (data, *args[1:]) if args else args
            kwargs = {**kwargs, "bytes": data} if "bytes" in kwargs else kwargs
        if data is not _MISSING:
            self.check_bits(len(data) * 8)
        return args, kwargs

    def _check_ratio(self, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self.check_decimal(value)
        return args, kwargs

    def _check_strftime(self, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        fmt = _arg(args, kwargs, 0, "format")
        if isinstance(fmt, str):
            self.check_len(len(fmt) * 16, fmt, "about ")
        return args, kwargs

    # -- guarded builtins --

    def range_(self, *args: Any) -> range:
        r = range(*args)
        step = r.step
        n = (r.stop - r.start + step - (1 if step > 0 else -1)) // step
        if n > self.max_sequence:  # not check_len: a range is lazy and costs no memory
            self.check_len(n)
        return r

    def sum_(self, iterable: Iterable[Any], /, start: Any = 0) -> Any:
        if not isinstance(start, _SEQUENCES):
            return sum(iterable, start)
        items = list(iterable)
        self.check_len(len(start) + sum(len(i) for i in items if isinstance(i, _SEQUENCES)), start)
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
        elif args and isinstance(args[0], _TEXT):  # in case the host lifted Python's own limit
            self.check_bits(len(args[0]) * 3.33)
        return int(*args, **kwargs)

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if ndigits is None and isinstance(number, Decimal):
            self.check_decimal(number)
        return round(number) if ndigits is None else round(number, ndigits)

    def iter_(self, obj: Any, *sentinel: Any) -> Any:
        return iter(_ticking(obj), *sentinel) if sentinel else iter(obj)

    def map_(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Any:
        return map(_ticking(fn), *iterables)

    def filter_(self, fn: Callable[[Any], Any] | None, iterable: Iterable[Any]) -> Any:
        return filter(None if fn is None else _ticking(fn), iterable)

    def sorted_(self, iterable: Iterable[Any], /, **kwargs: Any) -> list[Any]:
        return sorted(iterable, **self._keyed(kwargs))

    def min_(self, *args: Any, **kwargs: Any) -> Any:
        return min(*args, **self._keyed(kwargs))

    def max_(self, *args: Any, **kwargs: Any) -> Any:
        return max(*args, **self._keyed(kwargs))

    @staticmethod
    def _keyed(kwargs: dict[str, Any]) -> dict[str, Any]:
        if kwargs.get("key") is not None:
            kwargs["key"] = _ticking(kwargs["key"])
        return kwargs


def text_size(obj: object, cap: int) -> int:
    """A lower bound of ``len(repr(obj))``, counted only until it passes ``cap``.

    ``str([s] * 1000)`` copies ``s`` a thousand times; this sees it first. Shared
    containers are sized once (memo by id); a container inside itself counts as
    ``[...]``, as repr prints it.
    """
    memo: dict[int, int] = {}

    def size(item: object) -> int:
        if isinstance(item, _TEXT):
            return len(item) + 2
        if isinstance(item, int):
            return item.bit_length() * 3 // 10 + 1
        if isinstance(item, Decimal):
            return abs(item.adjusted()) + 2 if item.is_finite() else 3
        if isinstance(item, dict):
            children: Iterable[object] = itertools.chain(item.keys(), item.values())
            total = 2 + 4 * len(item)
        elif isinstance(item, Collection) and isinstance(item, _CONTAINERS):
            children, total = item, 2 + 2 * len(item)
        elif isinstance(item, BaseException):
            children, total = item.args, 2
        else:
            return 1
        if id(item) in memo:
            return memo[id(item)]
        memo[id(item)] = 5
        for child in children:
            if total > cap:
                break
            total += size(child)
        memo[id(item)] = total
        return total

    return size(obj)


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


# --- the AST transformer ---------------------------------------------------------------


class CompileViolation(str):
    """One rule broken in the source; a ``str`` because RestrictedPython collects strings."""

    lineno: int | None
    column: int
    friendly: bool

    @classmethod
    def make(cls, text: str, node: ast.AST, friendly: bool) -> CompileViolation:
        made = cls(text)
        made.lineno = _line(node)
        made.column = getattr(node, "end_col_offset", None) or 0
        made.friendly = friendly
        return made

    def rank(self) -> tuple[int, bool, int]:
        """Earliest first; on one spot our plain-words message before RestrictedPython's."""
        return (self.lineno or 0, not self.friendly, self.column)


class SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus our rules, in words a process owner understands.

    Adds: a ``_tick_()`` budget check in every loop body, function body, lambda and
    comprehension; size guards around ``+ * ** << %`` and f-strings; ``obj[k] op= v``;
    bare ``except:`` narrowed to ``except Exception:``; no imports, classes or print.
    """

    def error(self, node: ast.AST, info: str) -> None:
        """RestrictedPython's own findings (ours come first via :meth:`refuse`)."""
        text = info.rstrip(".")
        self.errors.append(CompileViolation.make(text[:1].lower() + text[1:], node, False))

    def not_allowed(self, node: ast.AST) -> None:
        what = _NOT_ALLOWED.get(type(node).__name__, f"'{type(node).__name__}' statements")
        self.refuse(node, f"{what} are not allowed in scripts")

    def refuse(self, node: ast.AST, message: str) -> None:
        self.errors.append(CompileViolation.make(message, node, True))

    def _tick(self, where: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])
        copy_locations(call, where)
        return call

    def _tick_stmt(self, where: ast.AST) -> ast.Expr:
        stmt = ast.Expr(value=self._tick(where))
        copy_locations(stmt, where)
        return stmt

    def _call(self, name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
        copy_locations(call, where)
        return call

    # refused outright

    def visit_Import(self, node: ast.Import) -> Any:
        self.refuse(node, "imports are not allowed in scripts")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self.refuse(node, "imports are not allowed in scripts")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.refuse(node, "classes are not allowed in scripts")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in ("print", "printed"):
            self.refuse(node, "print() is not available in scripts")
            return node
        if node.id in ("builtins", "breakpoint"):
            self.refuse(node, f"'{node.id}' is not allowed in scripts")
        if node.id == "__import__":
            self.refuse(node, "imports are not allowed in scripts")
        elif node.id.startswith("_") and node.id != "_":
            self.refuse(node, f"names starting with '_' are not allowed in scripts ({node.id})")
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            self.refuse(
                node, f"attributes starting with '_' are not allowed in scripts (.{node.attr})"
            )
        elif node.attr in INSPECT_ATTRIBUTES:
            self.refuse(node, f"attribute '.{node.attr}' is not allowed in scripts")
        return super().visit_Attribute(node)

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval"):
            self.refuse(node, f"'{node.func.id}' is not allowed in scripts")
        node = super().visit_Call(node)
        node.args = self._merge_stars(node.args, node)
        return node

    def visit_List(self, node: ast.List) -> Any:
        node = super().visit_List(node)
        if isinstance(node.ctx, ast.Load):
            node.elts = self._merge_stars(node.elts, node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        node = super().visit_Tuple(node)
        if isinstance(node.ctx, ast.Load):
            node.elts = self._merge_stars(node.elts, node)
        return node

    def _merge_stars(self, items: list[ast.expr], where: ast.AST) -> list[ast.expr]:
        """``[*a, b, *c]`` -> ``[*_stars_(a, (b,), c)]`` so the total length is checked first."""
        if not any(isinstance(item, ast.Starred) for item in items):
            return items
        parts: list[ast.expr] = []
        for item in items:
            if isinstance(item, ast.Starred):
                parts.append(item.value)
            else:
                parts.append(ast.Tuple(elts=[item], ctx=ast.Load()))
                copy_locations(parts[-1], item)
        merged = ast.Starred(value=self._call("_stars_", parts, where), ctx=ast.Load())
        copy_locations(merged, where)
        return [merged]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if node.name.startswith("_") and node.name != "_":
            self.refuse(node, f"names starting with '_' are not allowed in scripts ({node.name})")
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    # CPU budget

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        node.body = ast.BoolOp(op=ast.And(), values=[self._tick(node), node.body])
        copy_locations(node.body, node)
        return node

    def visit_For(self, node: ast.For) -> Any:
        node = super().visit_For(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        node = super().visit_While(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, self._tick(node.iter))
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        if node.type is None:  # a bare except must not catch the sandbox's own stop
            node.type = ast.Name("Exception", ast.Load())
            copy_locations(node.type, node)
        return super().visit_ExceptHandler(node)

    # memory

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        return node if guard is None else self._call(guard, [node.left, node.right], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, ast.Subscript):
            return super().visit_AugAssign(node)
        target = node.target
        if isinstance(target.slice, ast.Slice):
            self.refuse(node, "augmented assignment to a slice is not allowed in scripts")
            return node
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        args = [self.visit(target.value), self.visit(target.slice), op, self.visit(node.value)]
        stmt = ast.Expr(value=self._call("_augitem_", args, node))
        copy_locations(stmt, node)
        return stmt

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        node = self.node_contents_visit(node)
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = value.format_spec or ast.Constant("")
                args = [value.value, ast.Constant(value.conversion), spec]
                parts.append(self._call("_format_", args, value))
            else:
                parts.append(value)
        return self._call("_fstring_", parts, node)


_NOT_ALLOWED = {
    "AnnAssign": "type annotations",
    "AsyncFunctionDef": "async functions",
    "AsyncFor": "async loops",
    "AsyncWith": "async with-blocks",
    "Await": "await expressions",
    "Nonlocal": "nonlocal statements",
    "TryStar": "except* blocks",
    "Match": "match statements",
}


def _line(node: ast.AST) -> int | None:
    line = getattr(node, "lineno", None)
    return line if isinstance(line, int) else None
