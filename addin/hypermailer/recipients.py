"""Turn the rows of the recipients table into recipients, or into problems.

The address is the table's first column; every other column except the
status column is a data field, shown as Excel shows it. Addresses are cleaned
of the invisible marks that right-to-left typing and copy-paste leave, parsed
(``Name <address>``), validated without DNS and compared case-insensitively.
The address functions are in :mod:`hypermailer.addresses`.
A row that cannot or must not be sent becomes a :class:`Problem` naming its
cell; a bad row never stops the others.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

# Callers also import AddressError, address_key, normalise_address and
# split_addresses from this module, so keep them imported here.
from hypermailer.addresses import (
    AddressError,
    _address_message,
    address_key,
    clean_text,
    normalise_address,
    split_addresses,
)
from hypermailer.campaign import Cell, SourceRow, Table
from hypermailer.cells import CellDisplayError, cell_reference, format_cell
from hypermailer.i18n import _

# Problem severities.
ERROR = "error"      # the row is not sent
WARNING = "warning"  # the row is sent; something in it was left out
INFO = "info"        # the row is not sent, on purpose

#: Headers (compared in lower case) of the columns that hold CC addresses and
#: attachment file names, with the Hebrew words users write for them.
CC_HEADERS = frozenset({"cc", "עותק", "עותקים", "העתק", "העתקים"})
ATTACHMENT_HEADERS = frozenset({"attachments", "attachment", "קבצים מצורפים", "קובץ מצורף",
                                "צרופה", "צרופות", "קבצים", "קובץ"})


@dataclass(frozen=True)
class Recipient:
    """One row that will be sent.

    ``address`` is the addr-spec for the envelope and the To header, with
    the domain in IDNA ASCII form. ``fields[0]`` is the address cell's text as
    shown and ``fields[n]`` the n-th column after it (the status column is
    not counted). ``names`` maps each non-blank header to its column's text.
    ``key`` is the casefolded address, the identity used for duplicates,
    suppression and the journal. ``cc_names`` contains the display name typed
    with each CC address (``""`` when none), in the order of ``cc``.
    """

    row: int
    address: str
    display_name: str
    fields: tuple[str, ...]
    names: Mapping[str, str] = field(hash=False)
    cc: tuple[str, ...]
    attachments: tuple[Path, ...]
    key: str
    cc_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A reason a row is skipped or flagged.

    ``row`` is the sheet row (``None`` for the whole table) and ``cell`` the
    cell concerned (``A7``, or ``""``). ``kind`` is a short code such as
    ``invalid-address``. ``message`` is a translated sentence naming the
    sheet and cell, what is wrong and what to do. ``severity`` is ``error``
    (row skipped), ``warning`` (row still sent) or ``info`` (row skipped on
    purpose: duplicate, unsubscribed, hidden).
    """

    row: int | None
    cell: str
    kind: str
    message: str
    severity: str


@dataclass(frozen=True)
class RecipientList:
    """The recipients to send to, the problems found, and how many rows were blank."""

    recipients: tuple[Recipient, ...]
    problems: tuple[Problem, ...]
    blank_rows: int


# ---------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class _Columns:
    """Column indexes of the table: data columns in order (address first), CC, attachments."""

    data: tuple[int, ...]
    cc: frozenset[int]
    attachments: frozenset[int]


def read_recipients(table: Table, *, base_folder: Path,
                    unsubscribed: Iterable[str] = ()) -> RecipientList:
    """Read every row of *table* into recipients and problems.

    Blank rows are counted and skipped; they never end the list. Relative
    attachment paths are resolved against *base_folder*. Addresses in
    *unsubscribed* (in any form :func:`normalise_address` accepts) are never
    sent to.
    """
    columns = _columns(table)
    suppressed = frozenset(address_key(address) for address in unsubscribed)
    readers: list[_RowReader] = []
    blank_rows = 0

    for row in table.rows:
        cells = tuple(_cell_at(row, index) for index in columns.data)
        if all(_is_empty(cell) for cell in cells):
            blank_rows += 1
            continue
        reader = _RowReader(table, row, cells, columns, base_folder, suppressed)
        reader.read()
        readers.append(reader)

    recipients, problems = _claim_addresses(readers)
    return RecipientList(tuple(recipients), tuple(problems), blank_rows)


def _claim_addresses(readers: list[_RowReader]) -> tuple[list[Recipient], list[Problem]]:
    """Give each address to its first valid row; later rows with it are duplicates.

    Only a valid row claims its address, so a valid row after an invalid one
    with the same address is still sent. A duplicate row reports only that
    it is a duplicate, because fixing its other problems would not send it.
    """
    first_rows: dict[str, int] = {}
    recipients: list[Recipient] = []
    problems: list[Problem] = []
    for reader in readers:
        key = reader.addr_spec.casefold()
        first_row = first_rows.get(key) if key else None
        if first_row is not None:
            problems.append(reader.duplicate_problem(first_row))
            continue
        problems.extend(reader.problems)
        if reader.recipient is not None:
            first_rows[key] = reader.row.number
            recipients.append(reader.recipient)
    return recipients, problems


def _columns(table: Table) -> _Columns:
    width = max([len(table.header), *(len(row.cells) for row in table.rows)])
    data = tuple(index for index in range(width) if index != table.status_column)
    headers = [_header(table, index).casefold() for index in data]
    return _Columns(
        data=data,
        cc=frozenset(index for index, header in zip(data[1:], headers[1:]) if header in CC_HEADERS),
        attachments=frozenset(index for index, header in zip(data[1:], headers[1:])
                              if header in ATTACHMENT_HEADERS),
    )


def _header(table: Table, index: int) -> str:
    return table.header[index].strip() if index < len(table.header) else ""


def _cell_at(row: SourceRow, index: int) -> Cell:
    """Return the row's cell at *index*, giving it a coordinate when it has none."""
    cell = row.cells[index] if index < len(row.cells) else Cell(None)
    if cell.coordinate:
        return cell
    # NOTE: a table read without coordinates (CSV) is assumed to start in column A.
    coordinate = f"{get_column_letter(index + 1)}{row.number}"
    return Cell(cell.value, cell.number_format, coordinate, cell.error)


def _is_empty(cell: Cell) -> bool:
    if cell.error is not None:
        return False
    if isinstance(cell.value, str):
        return not clean_text(cell.value)
    return cell.value is None


class _RowReader:
    """Read one non-blank row into ``recipient`` (``None`` when skipped) and ``problems``.

    ``addr_spec`` is the row's valid address, or ``""`` when the address is
    invalid or the row is skipped on purpose (hidden, unsubscribed), so that
    only rows with an ``addr_spec`` take part in the duplicate check.
    """

    def __init__(self, table: Table, row: SourceRow, cells: tuple[Cell, ...], columns: _Columns,
                 base_folder: Path, suppressed: frozenset[str]) -> None:
        self.table = table
        self.row = row
        self.cells = cells
        self.columns = columns
        self.base_folder = base_folder
        self.suppressed = suppressed
        self.problems: list[Problem] = []
        self.addr_spec = ""
        self.recipient: Recipient | None = None

    def read(self) -> None:
        """Set ``recipient`` when the row can be sent, and add the row's problems."""
        address_cell = self.cells[0]
        if self.row.hidden:
            self._add(address_cell, "hidden", INFO, _(
                "{cell}: the row is hidden by a filter, so it is skipped. "
                "Show the row to include it."
            ).format(cell=self._reference(address_cell)))
            return

        # A row skipped on purpose reports only why, not what else is wrong in it.
        address = self._address(address_cell)
        if address is not None and self._is_unsubscribed(address_cell, address[1]):
            return
        if address is not None:
            self.addr_spec = address[1]

        texts = self._texts()
        cc_named = self._cc(self.addr_spec)
        attachments = self._attachments()
        if address is None or any(problem.severity == ERROR for problem in self.problems):
            return

        display_name, addr_spec = address
        self.recipient = Recipient(
            row=self.row.number,
            address=addr_spec,
            display_name=display_name,
            fields=tuple(texts),
            names=types.MappingProxyType(self._names(texts)),
            cc=tuple(cc_named),
            attachments=attachments,
            key=addr_spec.casefold(),
            cc_names=tuple(cc_named.values()),
        )

    def _format(self, cell: Cell) -> str:
        return format_cell(cell, date1904=self.table.date1904, sheet=self.table.sheet)

    def _address(self, cell: Cell) -> tuple[str, str] | None:
        """Return the row's ``(display_name, addr_spec)``, or ``None`` after adding a problem."""
        try:
            text = self._format(cell)
        except CellDisplayError as error:
            self._add(cell, "cell-error", ERROR, str(error))
            return None
        try:
            return normalise_address(text)
        except AddressError as error:
            kind = "missing-address" if error.code == "empty" else "invalid-address"
            self._add(cell, kind, ERROR, _address_message(
                error.code, address=error.address, reason=error.reason, cell=self._reference(cell)))
            return None

    def _texts(self) -> list[str]:
        """Return each data cell's displayed text; an error cell gives a problem and ``""``."""
        texts = []
        for position, cell in enumerate(self.cells):
            try:
                texts.append(self._format(cell))
            except CellDisplayError as error:
                if position:  # the address cell's error is reported by _address
                    self._add(cell, "cell-error", ERROR, str(error))
                texts.append("")
        return texts

    def _is_unsubscribed(self, cell: Cell, addr_spec: str) -> bool:
        """Add a problem and return ``True`` when *addr_spec* is on the unsubscribe list."""
        if addr_spec.casefold() not in self.suppressed:
            return False
        self._add(cell, "unsubscribed", INFO, _(
            "{cell}: {address} is on the unsubscribe list, so this row is skipped."
        ).format(cell=self._reference(cell), address=addr_spec))
        return True

    def duplicate_problem(self, first_row: int) -> Problem:
        """Return this row's ``duplicate`` problem: the valid row *first_row* has the same address."""
        cell = self.cells[0]
        message = _(
            "{cell}: {address} is a duplicate of row {first_row}, "
            "so this row is skipped and row {first_row} is sent."
        ).format(cell=self._reference(cell), address=self.addr_spec, first_row=first_row)
        return Problem(self.row.number, cell.coordinate, "duplicate", message, INFO)

    def _cc(self, own_address: str) -> dict[str, str]:
        """Return the row's CC addresses (unique, without the row's own) with their display names."""
        addresses: dict[str, str] = {}
        seen = {own_address.casefold()}
        for position, index in enumerate(self.columns.data):
            cell = self.cells[position]
            if index not in self.columns.cc or cell.error is not None or _is_empty(cell):
                continue
            text = self._format(cell)
            for part in split_addresses(text):
                named = self._cc_address(cell, part)
                if named and named[1].casefold() not in seen:
                    seen.add(named[1].casefold())
                    addresses[named[1]] = named[0]
        return addresses

    def _cc_address(self, cell: Cell, text: str) -> tuple[str, str] | None:
        reference = self._reference(cell)
        try:
            name, address = normalise_address(text)
        except AddressError as error:
            self._add(cell, "invalid-cc", ERROR, _address_message(
                error.code, address=error.address, reason=error.reason, cell=reference))
            return None
        if address.casefold() in self.suppressed:
            self._add(cell, "unsubscribed-cc", WARNING, _(
                "{cell}: the CC address {address} is on the unsubscribe list, so it is "
                "left out; the row is still sent to its main address."
            ).format(cell=reference, address=address))
            return None
        return name, address

    def _attachments(self) -> tuple[Path, ...]:
        paths: list[Path] = []
        for position, index in enumerate(self.columns.data):
            cell = self.cells[position]
            if index not in self.columns.attachments or cell.error is not None or _is_empty(cell):
                continue
            text = self._format(cell)
            for name in _split_paths(text):
                path = self._attachment(cell, name)
                if path is not None and path not in paths:
                    paths.append(path)
        return tuple(paths)

    def _attachment(self, cell: Cell, name: str) -> Path | None:
        path = Path(name)
        if not path.is_absolute():
            path = self.base_folder / path
        reference = self._reference(cell)
        if path.is_file():
            return path
        if path.is_dir():
            message = _(
                "{cell}: the attachment {path} is a folder, not a file. Name a file, "
                "or remove it from the cell. This row is not sent."
            ).format(cell=reference, path=str(path))
        else:
            message = _(
                "{cell}: the attachment {path} was not found. Check the file name and "
                "folder, or remove it from the cell. This row is not sent."
            ).format(cell=reference, path=str(path))
        self._add(cell, "missing-attachment", ERROR, message)
        return None

    def _names(self, texts: list[str]) -> dict[str, str]:
        """Map each non-blank header to its text; the first of two equal headers wins."""
        names: dict[str, str] = {}
        for position, index in enumerate(self.columns.data):
            header = _header(self.table, index)
            if header:
                names.setdefault(header, texts[position])
        return names

    def _reference(self, cell: Cell) -> str:
        return cell_reference(self.table.sheet, cell.coordinate)

    def _add(self, cell: Cell, kind: str, severity: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, cell.coordinate, kind, message, severity))


def _split_paths(text: str) -> list[str]:
    """Split an attachment cell at ``;`` and line breaks; drop quotes that Explorer's "Copy as path" adds."""
    names = []
    for part in re.split(r"[;\r\n]+", text):
        name = clean_text(part)
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].strip()
        if name:
            names.append(name)
    return names
