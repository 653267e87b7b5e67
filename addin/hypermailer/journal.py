"""The durable per-campaign send journal, the source of truth for resume.

One append-only JSON Lines file per campaign. A record is written before a
message is handed to the transport (``attempt``) and another when the outcome
is known. Each record is flushed to the operating system at once, so a killed
process loses nothing. ``fsync`` runs within a second of any unsynced record
(a background thread covers quiet periods) and on close, so a power cut can
lose at most the last second of records.

A row whose last record is ``attempt`` had its message handed over with no
outcome recorded: it may have been sent, and is treated like ``uncertain``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from hypermailer.errors import HyperMailerError
from hypermailer.i18n import _

log = logging.getLogger(__name__)

ATTEMPT = "attempt"
SENT = "sent"
FAILED = "failed"          # refused (5xx), or still failing after the retries
DEFERRED = "deferred"      # not sent (temporary failure); a later run tries again
UNCERTAIN = "uncertain"    # data sent, reply lost: may have been sent

#: Outcomes after which a normal run does not send the row again.
FINAL = frozenset({SENT, FAILED, UNCERTAIN, ATTEMPT})

FSYNC_INTERVAL = 1.0
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]")


class JournalError(HyperMailerError):
    """The journal cannot be opened, locked or written."""


@dataclass(frozen=True)
class Entry:
    """The last known state of one recipient in a campaign."""

    key: str
    event: str
    row: int
    time: str
    message_id: str = ""
    code: int | None = None
    reply: str = ""
    content: str = ""


def journal_path(folder: Path, campaign_id: str) -> Path:
    return folder / f"{_SAFE_ID.sub('_', campaign_id)}.jsonl"


def read_entries(path: Path) -> dict[str, Entry]:
    """Read a journal file into the last entry per recipient key.

    A final line cut short by a crash is ignored; any other damaged line
    raises, because guessing could send a message twice.
    """
    entries: dict[str, Entry] = {}
    if not path.exists():
        return entries
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            if number == len(lines):
                log.warning("ignoring a truncated last record in %s", path)
                continue
            raise JournalError(
                _("The journal {path} is damaged at line {line}. Move it aside only if you "
                  "know which messages were sent.").format(path=path, line=number)) from error
        entries[record["key"]] = Entry(
            key=record["key"], event=record["event"], row=record.get("row", 0),
            time=record.get("time", ""), message_id=record.get("message_id", ""),
            code=record.get("code"), reply=record.get("reply", ""),
            content=record.get("content", ""))
    return entries


class Journal:
    """An open, locked journal for one campaign.

    Only one process may write a campaign's journal at a time: a second run of
    the same campaign fails at once instead of sending the same rows.
    """

    def __init__(self, folder: Path, campaign_id: str, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], str] | None = None) -> None:
        self.path = journal_path(folder, campaign_id)
        self.campaign_id = campaign_id
        self._monotonic = monotonic
        self._wall_clock = wall_clock or _utc_now_text
        self._lock = FileLock(str(self.path) + ".lock")
        self._file = None
        self._last_sync = 0.0
        self._write_lock = threading.Lock()
        self._dirty = False
        self._stop_syncing = threading.Event()
        self._syncer: threading.Thread | None = None
        self.entries: dict[str, Entry] = {}

    def __enter__(self) -> "Journal":
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except Timeout as error:
            raise JournalError(
                _("Campaign {campaign} is being sent by another HyperMailer run. Wait for it "
                  "to finish, then try again.").format(campaign=self.campaign_id)) from error
        except OSError as error:
            raise JournalError(
                _("Cannot create the journal folder {folder}: {error}").format(
                    folder=self.path.parent, error=error)) from error
        try:
            self.entries = read_entries(self.path)
            _cut_partial_last_line(self.path)
            self._file = open(self.path, "ab")
            self._stop_syncing.clear()
            self._syncer = threading.Thread(target=self._sync_every_second, daemon=True,
                                            name="hypermailer-journal-fsync")
            self._syncer.start()
        except BaseException:
            self._lock.release()
            raise
        self._last_sync = self._monotonic()

    def close(self) -> None:
        self._stop_syncing.set()
        if self._syncer is not None:
            self._syncer.join()
            self._syncer = None
        try:
            if self._file is not None:
                with self._write_lock:
                    self._sync()
                    self._file.close()
                    self._file = None
        finally:
            if self._lock.is_locked:
                self._lock.release()

    def _sync_every_second(self) -> None:
        """Fsync unsynced records once a second, also while no new record arrives."""
        while not self._stop_syncing.wait(FSYNC_INTERVAL):
            with self._write_lock:
                if self._file is not None and self._dirty:
                    self._sync()

    def record(self, event: str, key: str, row: int, *, message_id: str = "",
               code: int | None = None, reply: str = "", content: str = "") -> Entry:
        """Append one record, flush it to the OS, and fsync when a second has passed.

        *content* is the campaign's content fingerprint, kept with sent rows.
        """
        entry = Entry(key=key, event=event, row=row, time=self._wall_clock(),
                      message_id=message_id, code=code, reply=reply, content=content)
        record = {k: v for k, v in entry.__dict__.items() if v not in ("", None)}
        line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
        # Several connections may record at once; each line must stay whole.
        with self._write_lock:
            try:
                self._file.write(line)
                self._file.flush()
                self._dirty = True
                if self._monotonic() - self._last_sync >= FSYNC_INTERVAL:
                    self._sync()
            except OSError as error:
                raise JournalError(
                    _("Cannot write the journal {path}: {error}. Sending stopped so that no "
                      "message goes unrecorded.").format(path=self.path, error=error)) from error
            self.entries[key] = entry
        return entry

    def _sync(self) -> None:
        os.fsync(self._file.fileno())
        self._dirty = False
        self._last_sync = self._monotonic()

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())


def _cut_partial_last_line(path: Path) -> None:
    """Drop a last record cut short by a crash, so the next record starts on its own line."""
    if not path.exists():
        return
    with open(path, "r+b") as stream:
        data = stream.read()
        if data and not data.endswith(b"\n"):
            stream.truncate(data.rfind(b"\n") + 1)


def _utc_now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def content_changed(entries: dict[str, Entry], fingerprint: str) -> bool:
    """Tell whether a row was sent with a message other than the one *fingerprint* names."""
    return any(entry.event == SENT and entry.content and entry.content != fingerprint
               for entry in entries.values())
