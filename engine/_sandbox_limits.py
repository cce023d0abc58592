"""The limits a sandboxed script runs under: CPU time and the size of what it builds.

:class:`Budget` is the CPU budget of one call; the ``_tick_()`` calls that
``engine._sandbox_rewrite`` puts in every loop and function body spend it.
:class:`SizeLimits` estimates the size of a result (text, sequence, integer)
*before* it is built and refuses it when it would pass the environment's limits;
``engine._sandbox_checks.Guards`` builds on it.

Rule violations raise :class:`Violation`, a ``BaseException``: a script's
``except Exception`` (bare ``except:`` is rewritten to that) cannot swallow it.
The environment in ``engine._sandbox`` turns it into a ``SandboxViolation``.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Any

from engine._errors import SandboxViolation

SCRIPT_FILENAME = "<bpmn script>"
MISSING: Any = object()
TEXT_TYPES = (str, bytes, bytearray)
SEQUENCE_TYPES = (str, bytes, bytearray, list, tuple)
_CONTAINERS: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_ACCOUNT_FROM = 1000  # results this large count towards the per-call total (_account)
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
        self.created = 0  # items of large results built so far (see SizeLimits._account)
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


def ticking(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback that C code (map, sorted, iter...) calls, so it spends the budget."""
    budget = getattr(_ACTIVE, "budget", None)
    if budget is None or budget.closed:
        raise SandboxViolation("a function made by a script cannot be used after it finished")
    tick = budget.tick

    def call(*args: Any, **kwargs: Any) -> Any:
        tick()
        return fn(*args, **kwargs)

    return call


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    """Positional-or-keyword argument of a guarded method, or MISSING."""
    return args[index] if len(args) > index else kwargs.get(name, MISSING)


def _same_kind(text: object, other: object) -> bool:
    """Is ``other`` a str for a str (bytes for bytes), as str/bytes methods require?"""
    return (
        isinstance(other, str) if isinstance(text, str) else isinstance(other, (bytes, bytearray))
    )


class SizeLimits:
    """Refuse a result before it is built when it would pass the limits.

    No per-call state (the per-call total lives in the active :class:`Budget`),
    so threads share it.
    """

    def __init__(self, max_sequence: int, max_int_bits: int) -> None:
        self.max_sequence = max_sequence
        self.max_int_bits = max_int_bits
        self.max_total = 10 * max_sequence

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

    # -- operators: size estimates --

    def _check_add(self, a: Any, b: Any) -> None:
        if isinstance(a, SEQUENCE_TYPES) and hasattr(b, "__len__"):
            self.check_len(len(a) + len(b), a)

    def _check_extend_by(self, a: Any, b: Any) -> None:
        """``s += x`` replaces ``s``: only the growth counts towards the per-call total."""
        if isinstance(a, SEQUENCE_TYPES) and hasattr(b, "__len__"):
            self.check_len(len(a) + len(b), a, grows_by=len(b))

    def _check_mul(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, int):
            self.check_bits(a.bit_length() + b.bit_length() - 1)
        elif isinstance(a, SEQUENCE_TYPES) and isinstance(b, int):
            self.check_len(len(a) * b, a)
        elif isinstance(b, SEQUENCE_TYPES) and isinstance(a, int):
            self.check_len(len(b) * a, b)

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

    def _check_lshift(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            self.check_bits(a.bit_length() + b)

    def _check_mod(self, fmt: Any, args: Any) -> None:
        """``'%10000000000d' % 1`` or ``'%s%s' % (s, s)``: estimate the text first."""
        if not isinstance(fmt, TEXT_TYPES):
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

    # -- methods that can build a huge result --

    def _check_width(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        width = _arg(args, kwargs, 0, "width")
        if isinstance(width, int):
            self.check_len(width, text)
        return args, kwargs

    def _check_expandtabs(self, text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        size = _arg(args, kwargs, 0, "tabsize")
        size = 8 if size is MISSING else size
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
        size = sum(len(i) for i in items if isinstance(i, TEXT_TYPES))
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
            kwargs = {**kwargs, "key": ticking(kwargs["key"])}
        return args, kwargs

    def _check_to_bytes(self, number: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        length = _arg(args, kwargs, 0, "length")
        if isinstance(length, int):
            self.check_len(length, b"")
        return args, kwargs

    def _check_from_bytes(self, cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        data = _arg(args, kwargs, 0, "bytes")
        if data is not MISSING and not hasattr(data, "__len__"):
            data = list(data)
            args = (data, *args[1:]) if args else args
            kwargs = {**kwargs, "bytes": data} if "bytes" in kwargs else kwargs
        if data is not MISSING:
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


def text_size(obj: object, cap: int) -> int:
    """A lower bound of ``len(repr(obj))``, counted only until it passes ``cap``.

    ``str([s] * 1000)`` copies ``s`` a thousand times; this sees it first. Shared
    containers are sized once (memo by id); a container inside itself counts as
    ``[...]``, as repr prints it.
    """
    memo: dict[int, int] = {}

    def size(item: object) -> int:
        if isinstance(item, TEXT_TYPES):
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
