"""A per-client limit on writes: each client address gets a bucket of ``per_minute`` writes that
refills steadily, so one client (or a token guesser) cannot keep the single writer busy while
readers and other clients wait. Readers are never limited."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from khronika.serving.responses import ApiError

MAX_CLIENTS = 10_000  # buckets kept; past this, the least recently used are forgotten


class WriteLimit:
    """Token buckets keyed by client address: ``per_minute`` writes at once, then one more
    every ``60 / per_minute`` seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"writes per minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self._refill = per_minute / 60.0  # writes per second
        self._clock = clock
        # client: (writes left, when), least recently used first
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Count one write of ``client``, or refuse it with 429 and when to retry."""
        now = self._clock()
        with self._lock:
            left = self._left(client, now)
            if left < 1:
                wait = math.ceil((1 - left) / self._refill)
                raise ApiError(
                    429,
                    f"client {client}: more than {self.per_minute} writes a minute; "
                    f"retry in {wait} s",
                    {"Retry-After": str(wait)},
                )
            self._buckets.pop(client, None)
            self._buckets[client] = (left - 1, now)
            if len(self._buckets) > MAX_CLIENTS:
                del self._buckets[next(iter(self._buckets))]

    def _left(self, client: str, now: float) -> float:
        left, when = self._buckets.get(client, (float(self.per_minute), now))
        return min(float(self.per_minute), left + (now - when) * self._refill)
