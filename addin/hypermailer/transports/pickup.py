"""Pickup-folder delivery: each message becomes one ``.eml`` file, written atomically.

A file appears under its final name only when it is complete, so a program
that watches the folder (a mail server's pickup directory, or a person opening
the files) never reads half a message. The envelope is not stored: the file
contains the message bytes exactly as given.
"""

from __future__ import annotations

import datetime
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError, TransportError
from hypermailer.i18n import _
from hypermailer.transports.base import Delivery, Transport


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


log = logging.getLogger(__name__)

class PickupTransport(Transport):
    """Writes each message into ``mailbox.folder``, creating the folder if it is missing.

    File names are ``YYYYMMDDTHHMMSSffffffZ-<8 hex digits>.eml`` in UTC, so
    sorting them by name sorts them by the time they were written. ``clock``
    returns the current time as an aware datetime.
    """

    def __init__(self, mailbox: Mailbox, *, clock: Callable[[], datetime.datetime] = _utc_now) -> None:
        if mailbox.folder is None or not str(mailbox.folder).strip():
            raise ConfigurationError(
                _("Mailbox {name!r} is a pickup mailbox without a folder. "
                  "Fill in its folder in the Mailboxes table.")
                .format(name=mailbox.name))
        self.mailbox = mailbox
        self.folder = Path(mailbox.folder)
        self._clock = clock
        self._opened = False

    def __repr__(self) -> str:
        return f"PickupTransport({self.mailbox.name!r}, {str(self.folder)!r})"

    def open(self) -> None:
        """Create the folder if it is missing; do nothing if already open."""
        if self._opened:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._folder_error(error) from error
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def send(self, sender: str, recipients: Sequence[str], message: bytes, *,
             on_data: Callable[[], None] | None = None) -> Delivery:
        """Write *message* to a new ``.eml`` file; ``Delivery.reply`` is its path.

        *sender* and *recipients* are not stored, because an ``.eml`` file
        contains only the message.
        """
        if not recipients:
            raise ValueError("send() needs at least one envelope recipient")
        self.open()
        path = self.folder / self._file_name()
        temporary = self.folder / f".{path.name}.tmp"
        if on_data is not None:
            on_data()
        try:
            _write_durably(temporary, message)
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise self._folder_error(error) from error
        try:
            _sync_folder(self.folder)
        except OSError as error:
            # The file is in place, so the message counts as delivered; raising
            # here would make the engine retry and write a second copy.
            log.warning("could not flush folder %s after writing %s: %s", self.folder, path, error)
        return Delivery(reply=str(path))

    def verify(self) -> list[str]:
        """Create the folder if needed and check that a file can be written there.

        Returns one translated line; raises :class:`TransportError` naming the folder.
        """
        self.open()
        probe = self.folder / f".hypermailer-check-{uuid.uuid4().hex[:8]}.tmp"
        try:
            _write_durably(probe, b"")
            probe.unlink()
        except OSError as error:
            probe.unlink(missing_ok=True)
            raise self._folder_error(error) from error
        return [_("The pickup folder {folder} exists and can be written.").format(folder=self.folder)]

    def _file_name(self) -> str:
        timestamp = self._clock().astimezone(datetime.timezone.utc)
        return f"{timestamp:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"

    def _folder_error(self, error: OSError) -> TransportError:
        return TransportError(
            _("The pickup folder {folder} of mailbox {name!r} cannot be written ({error}). "
              "Check that the path is a folder you may write to, or choose another folder.")
            .format(folder=self.folder, name=self.mailbox.name, error=error.strerror or error),
            host=str(self.folder))


def _write_durably(path: Path, data: bytes) -> None:
    """Write *data* to a new file at *path* and flush it to the disk."""
    with open(path, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a renamed file to the disk (POSIX only).

    Windows cannot open a folder this way, so there the rename is not flushed
    explicitly and relies on the file system's own journal.
    """
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
