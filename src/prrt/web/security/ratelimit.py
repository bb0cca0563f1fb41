"""Login rate limit: failed attempts per user name and per client address.

After ``max_failures`` failures within ``window_seconds`` further attempts are refused
(HTTP 429) until the window has passed, also with the right password (OWASP Authentication
Cheat Sheet, "Login throttling"; docs/decisions.md, D152). Kept in the server's memory: a
restart forgets it, which an attacker cannot trigger.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Counts failed logins per key (``user:<name>``, ``addr:<host>``)."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        return times

    def is_blocked(self, *keys: str) -> bool:
        """Whether any key has reached the limit within the window."""
        now = self._clock()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.max_failures for key in keys)

    def record_failure(self, *keys: str) -> None:
        """Count one failed attempt against every key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def reset(self, *keys: str) -> None:
        """Forget the failures of ``keys`` (after a successful login)."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
