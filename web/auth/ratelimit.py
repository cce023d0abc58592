"""Login rate limit: after ``LIMIT`` failures for one username from one address, wait.

Failures are counted per (username, IP) in a fixed window. With
CLIENTFLOW_REDIS_URL set, the counters live in Redis so every web node sees
the same count; otherwise in this process's memory (embedded mode, one node).
"""

from __future__ import annotations

import hashlib
import time
from threading import Lock
from typing import Protocol

LIMIT = 5
WINDOW_SECONDS = 15 * 60


class FailureStore(Protocol):
    def count(self, key: str) -> int: ...
    def add(self, key: str) -> None: ...
    def clear(self, key: str) -> None: ...


class MemoryStore:
    """Counters in a dict: right for one process, lost on restart."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self.window = window
        self._hits: dict[str, tuple[float, int]] = {}
        self._lock = Lock()

    def count(self, key: str) -> int:
        until, hits = self._hits.get(key, (0.0, 0))
        return hits if until > time.monotonic() else 0

    def add(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            until, hits = self._hits.get(key, (0.0, 0))
            if until <= now:
                until, hits = now + self.window, 0
            self._hits[key] = (until, hits + 1)
            if len(self._hits) > 100_000:  # forget expired keys rather than grow for ever
                self._hits = {k: v for k, v in self._hits.items() if v[0] > now}

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class RedisStore:
    """Counters in Redis with an expiry: shared by every web node."""

    def __init__(self, url: str, window: int = WINDOW_SECONDS) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.window = window

    def count(self, key: str) -> int:
        value = self.redis.get(key)
        return int(value) if value is not None else 0

    def add(self, key: str) -> None:
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, self.window, nx=True)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.redis.delete(key)


class LoginLimiter:
    """Says whether a login may be tried, and records how it went."""

    def __init__(self, store: FailureStore, limit: int = LIMIT) -> None:
        self.store = store
        self.limit = limit

    def blocked(self, username: str, address: str) -> bool:
        return self.store.count(_key(username, address)) >= self.limit

    def failed(self, username: str, address: str) -> None:
        self.store.add(_key(username, address))

    def succeeded(self, username: str, address: str) -> None:
        self.store.clear(_key(username, address))


def make_limiter(redis_url: str | None) -> LoginLimiter:
    return LoginLimiter(RedisStore(redis_url) if redis_url else MemoryStore())


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}\0{address}".encode()).hexdigest()[:32]
    return f"clientflow:login-failures:{digest}"
