"""Keep sending within a mailbox's per-minute limit, and slow down after a server's throttling reply.

The engine keeps the per-day limit with :mod:`hypermailer.quota`, on disk
across runs; the in-memory day window here serves callers without one.
"""

from __future__ import annotations

import threading
from collections import deque

MINUTE = 60.0
DAY = 24 * 60 * 60.0
MAX_EXTRA_DELAY = 60.0
#: Messages accepted in a row after which the extra pause is halved.
CALM_AFTER = 10
#: An extra pause below this many seconds is dropped altogether.
MIN_EXTRA_DELAY = 0.25


class Pacer:
    """Sliding-window rate limiter over an injected clock (``monotonic`` and ``sleep``).

    A limit of 0 means no limit. ``wait`` blocks until one more message fits
    in every window, then counts it.
    """

    def __init__(self, clock, *, per_minute: int = 0, per_day: int = 0, shared=None) -> None:
        self.clock = clock
        self.windows = [(MINUTE, per_minute, deque()), (DAY, per_day, deque())]
        # A MinuteLedger that other processes sending through the mailbox use too.
        self.shared = shared
        self.extra_delay = 0.0
        self._accepted_in_row = 0
        self._lock = threading.Lock()

    def slow_down(self, first_delay: float = 1.0) -> None:
        """Double the pause between messages (from *first_delay*, up to 60 s) after a "too many" reply."""
        with self._lock:
            self.extra_delay = min(max(self.extra_delay * 2, first_delay), MAX_EXTRA_DELAY)
            self._accepted_in_row = 0

    def accepted(self) -> None:
        """Count a message the server took; after 10 in a row, halve the extra pause again."""
        with self._lock:
            if not self.extra_delay:
                return
            self._accepted_in_row += 1
            if self._accepted_in_row >= CALM_AFTER:
                self._accepted_in_row = 0
                self.extra_delay /= 2
                if self.extra_delay < MIN_EXTRA_DELAY:
                    self.extra_delay = 0.0

    def delay(self) -> float:
        """Return the seconds to wait before the next message may go."""
        now = self.clock.monotonic()
        delay = 0.0
        for length, limit, times in self.windows:
            while times and times[0] <= now - length:
                times.popleft()
            if limit and len(times) >= limit:
                delay = max(delay, times[0] + length - now)
        return delay

    def wait(self, stop: threading.Event | None = None) -> bool:
        """Wait until one more message fits, then count it; return False if *stop* was set.

        With *stop*, the wait sleeps in steps of at most a second so that a
        stop (Ctrl-C, an error on another connection) ends it promptly.
        """
        # The lock makes connections sending in parallel take turns, so the
        # windows count every connection's messages.
        with self._lock:
            if not _sleep_until(self.clock, self.delay() + self.extra_delay, stop):
                return False
            if not self._reserve_shared(stop):
                return False
            now = self.clock.monotonic()
            for _length, limit, times in self.windows:
                if limit:
                    times.append(now)
            return True

    def _reserve_shared(self, stop: threading.Event | None) -> bool:
        """Wait until the shared minute ledger has room and take it; False if stopped first."""
        if self.shared is None:
            return stop is None or not stop.is_set()
        while (wait := self.shared.reserve()) > 0:
            if not _sleep_until(self.clock, wait, stop):
                return False
        return stop is None or not stop.is_set()


def _sleep_until(clock, delay: float, stop: threading.Event | None) -> bool:
    """Sleep *delay* seconds, in steps of a second when *stop* may end it; False if stopped."""
    while delay > 0:
        if stop is not None and stop.is_set():
            return False
        step = delay if stop is None else min(delay, 1.0)
        clock.sleep(step)
        delay -= step
    return stop is None or not stop.is_set()


def estimated_seconds(count: int, per_minute: int) -> float:
    """Estimate how long *count* messages take at *per_minute* (0 means no limit)."""
    if not per_minute or count <= per_minute:
        return 0.0
    return (count - 1) // per_minute * MINUTE
