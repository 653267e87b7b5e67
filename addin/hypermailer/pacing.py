"""Keep sending within a mailbox's per-minute and per-day limits.

NOTE: the per-day window counts only messages sent by this process; a count
kept on disk across runs is not built yet, so two runs in one day can exceed
the daily limit together.
"""

from __future__ import annotations

from collections import deque

MINUTE = 60.0
DAY = 24 * 60 * 60.0


class Pacer:
    """Sliding-window rate limiter over an injected clock (``monotonic`` and ``sleep``).

    A limit of 0 means no limit. ``wait`` blocks until one more message fits
    in every window, then counts it.
    """

    def __init__(self, clock, *, per_minute: int = 0, per_day: int = 0) -> None:
        self.clock = clock
        self.windows = [(MINUTE, per_minute, deque()), (DAY, per_day, deque())]

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

    def wait(self) -> None:
        delay = self.delay()
        if delay > 0:
            self.clock.sleep(delay)
        now = self.clock.monotonic()
        for _length, limit, times in self.windows:
            if limit:
                times.append(now)

    def seconds_for(self, count: int) -> float:
        """Estimate how long *count* messages take at the per-minute limit."""
        _length, per_minute, _times = self.windows[0]
        if not per_minute or count <= per_minute:
            return 0.0
        return (count - 1) // per_minute * MINUTE
