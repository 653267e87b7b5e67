"""The suppression list of a mailbox: addresses that asked never to get its mail again.

Each mailbox has one UTF-8 CSV file (``address,date,source``) in the user's
data folder, named after its from address, so every workbook, CSV file and
front end that sends through the mailbox skips those addresses. The
workbook's Unsubscribed table is a second list; a run honours both.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypermailer import paths
from hypermailer.addresses import AddressError, normalise_address
from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError, HyperMailerError
from hypermailer.i18n import _

__all__ = [
    "ImportResult",
    "Suppressed",
    "add_addresses",
    "import_file",
    "read_list",
    "remove_addresses",
    "suppressed_addresses",
    "suppression_path",
]

COLUMNS = ("address", "date", "source")

_SAFE_NAME = re.compile(r"[^a-z0-9@._+-]")


@dataclass(frozen=True)
class Suppressed:
    """One entry of a suppression list; ``address`` is the addr-spec in lower case."""

    address: str
    date: str = ""
    source: str = ""


@dataclass(frozen=True)
class ImportResult:
    """The result of an import: addresses added, already listed, and entries that are no address."""

    added: tuple[str, ...]
    already_listed: tuple[str, ...]
    invalid: tuple[str, ...]


def suppression_path(mailbox: Mailbox) -> Path:
    """Return the mailbox's suppression file, named after its from address."""
    key = mailbox.from_address.strip().lower()
    name = _SAFE_NAME.sub("_", key)
    if name != key:
        # Two addresses that differ only in replaced characters get different files.
        name += "-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return paths.data_folder() / "suppression" / f"{name}.csv"


def read_list(mailbox: Mailbox) -> list[Suppressed]:
    """Return the mailbox's suppression list in file order; empty when it has no file."""
    path = suppression_path(mailbox)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return []
    except OSError as error:
        raise HyperMailerError(_("The suppression list {path} cannot be read: {error}. Check the "
                                 "file's permissions.").format(path=path, error=error.strerror or error)
                               ) from error
    entries = []
    for record in csv.DictReader(io.StringIO(text)):
        address = (record.get("address") or "").strip().lower()
        if address:
            entries.append(Suppressed(address, (record.get("date") or "").strip(),
                                      (record.get("source") or "").strip()))
    return entries


def suppressed_addresses(mailbox: Mailbox) -> frozenset[str]:
    return frozenset(entry.address for entry in read_list(mailbox))


def add_addresses(mailbox: Mailbox, addresses: Iterable[str], *, source: str = "",
                  today: date | None = None) -> ImportResult:
    """Add *addresses* to the mailbox's list, dated *today*.

    Every entry is validated first. An invalid entry is returned in
    ``invalid`` and the others are still added.
    """
    entries = read_list(mailbox)
    listed = {entry.address for entry in entries}
    stamp = (today or date.today()).isoformat()
    added: list[str] = []
    already: list[str] = []
    invalid: list[str] = []
    for text in addresses:
        try:
            _name, address = normalise_address(text)
        except AddressError:
            invalid.append(text)
            continue
        address = address.lower()
        if address in listed:
            already.append(address)
            continue
        listed.add(address)
        added.append(address)
        entries.append(Suppressed(address, stamp, source))
    if added:
        _write(mailbox, entries)
    return ImportResult(tuple(added), tuple(already), tuple(invalid))


def remove_addresses(mailbox: Mailbox, addresses: Iterable[str]) -> list[str]:
    """Remove *addresses* from the mailbox's list; return the ones that were listed."""
    wanted = set()
    for text in addresses:
        try:
            wanted.add(normalise_address(text)[1].lower())
        except AddressError:
            wanted.add(text.strip().lower())
    entries = read_list(mailbox)
    removed = [entry.address for entry in entries if entry.address in wanted]
    if removed:
        _write(mailbox, [entry for entry in entries if entry.address not in wanted])
    return removed


def import_file(mailbox: Mailbox, path: Path, *, source: str = "") -> ImportResult:
    """Add the addresses in the first column of a ``.csv``, ``.txt``, ``.xlsx`` or ``.xlsm`` file.

    A first row that is not an address (a header such as "Email") is skipped
    without being reported as invalid.
    """
    from hypermailer.workbook.reader import read_table_file

    table = read_table_file(Path(path))
    texts = [_first_cell_text(row.cells) for row in table.rows]
    header = table.header[0].strip() if table.header else ""
    if header and "@" in header:
        texts.insert(0, header)
    return add_addresses(mailbox, (text for text in texts if text),
                         source=source or Path(path).name)


def _first_cell_text(cells) -> str:
    if not cells or cells[0].value is None:
        return ""
    return str(cells[0].value).strip()


def _write(mailbox: Mailbox, entries: list[Suppressed]) -> None:
    """Replace the mailbox's file with *entries*, through a temporary file so a crash leaves the old list."""
    path = suppression_path(mailbox)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow((entry.address, entry.date, entry.source))
    temporary = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            stream.write(buffer.getvalue())
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ConfigurationError(_("The suppression list {path} cannot be written: {error}. Check "
                                   "the folder's permissions.").format(
            path=path, error=error.strerror or error)) from error
