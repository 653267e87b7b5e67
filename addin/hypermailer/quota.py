"""The send counts of a mailbox kept on disk across runs and processes: the last 24 hours and the last minute.

Providers cap a mailbox per rolling day (for example Microsoft 365 at 10,000
recipients a day), so the count must survive the end of a run and include
every HyperMailer process on the machine. Each accepted message appends its
time (seconds since the epoch) to a small text file per mailbox. The file is
locked while it is read and written.

:class:`MinuteLedger` does the same for the last minute, so that runs at the
same time share the per-minute limit.

NOTE: the count covers this machine only; mail sent through the same
mailbox from another computer or a mail program is not seen.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

from hypermailer.campaign import Mailbox

DAY_SECONDS = 24 * 60 * 60


def quota_path(folder: Path, mailbox: Mailbox) -> Path:
    """Return the ledger file of *mailbox*; one account shares one file across mailbox names."""
    identity = f"{mailbox.from_address.casefold()}|{mailbox.host.casefold()}|{mailbox.username}"
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    return folder / f"{digest}.txt"


class DailyQuota:
    """Counts messages a mailbox sent in the last 24 hours, from a shared file.

    ``clock`` supplies ``now()`` as an aware datetime. A limit of 0 means no
    limit, and then nothing is written.
    """

    def __init__(self, path: Path, limit: int, clock) -> None:
        self.path = path
        self.limit = limit
        self.clock = clock
        self._lock = FileLock(str(path) + ".lock")

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _read(self, now: float) -> list[float]:
        return _read_times(self.path, since=now - DAY_SECONDS)

    def remaining(self) -> int | None:
        """Return how many more messages fit in the rolling day, or None without a limit."""
        if not self.limit:
            return None
        with self._lock:
            return max(self.limit - len(self._read(self._now())), 0)

    def next_free(self) -> datetime:
        """Return when the oldest counted message leaves the 24-hour window."""
        with self._lock:
            times = self._read(self._now())
        oldest = min(times) if times else self._now() - DAY_SECONDS
        return datetime.fromtimestamp(oldest + DAY_SECONDS, tz=timezone.utc)

    def count(self, recipients: int = 1) -> None:
        """Record a message to *recipients* addresses, dropping entries older than a day now and then.

        Providers count recipients, not messages, so a message with CC
        addresses counts once per address.
        """
        if not self.limit:
            return
        now = self._now()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            times = self._read(now)
            if len(times) * 2 < self._approximate_line_count():
                self._rewrite(times)
            with open(self.path, "a", encoding="ascii") as stream:
                stream.write(f"{now:.3f}\n" * recipients)
                stream.flush()

    def _approximate_line_count(self) -> int:
        # Each line is 15 bytes ("1733345678.123\n") until the year 2286.
        try:
            return self.path.stat().st_size // 15
        except FileNotFoundError:
            return 0

    def _rewrite(self, times: list[float]) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("".join(f"{moment:.3f}\n" for moment in times), encoding="ascii")
        os.replace(temporary, self.path)


class MinuteLedger:
    """The sends of a mailbox in the last minute, shared by every process on this machine.

    :meth:`reserve` records a send before it happens, so two runs through one
    mailbox at once take turns within its per-minute limit. A limit of 0 means
    no limit, and then nothing is written.
    """

    WINDOW = 60.0

    def __init__(self, path: Path, limit: int, clock) -> None:
        self.path = path
        self.limit = limit
        self.clock = clock
        self._lock = FileLock(str(path) + ".lock")

    def reserve(self) -> float:
        """Record a send now and return 0, or return the seconds until one fits."""
        if not self.limit:
            return 0.0
        now = self.clock.now().timestamp()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            times = self._recent(now)
            if len(times) >= self.limit:
                return max(times[-self.limit] + self.WINDOW - now, 0.001)
            times.append(now)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(f"{moment:.3f}\n" for moment in times), encoding="ascii")
            os.replace(temporary, self.path)
        return 0.0

    def _recent(self, now: float) -> list[float]:
        return sorted(_read_times(self.path, since=now - self.WINDOW))


def _read_times(path: Path, *, since: float) -> list[float]:
    """Return the times (seconds since the epoch) in a ledger file that are later than *since*."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    times = []
    for line in text.split():
        try:
            moment = float(line)
        except ValueError:
            continue  # a line cut short by a crash
        if moment > since:
            times.append(moment)
    return times
