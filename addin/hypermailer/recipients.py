"""Turn the rows of the recipients table into recipients, or into problems.

The address is the table's first column; every other column except the
status column is a data field, shown as Excel shows it. Addresses are cleaned
of the invisible marks that right-to-left typing and copy-paste leave, parsed
(``Name <address>``), validated without DNS and compared case-insensitively.
A row that cannot or must not be sent becomes a :class:`Problem` naming its
cell; a bad row never stops the others.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import errors as email_errors
from email.policy import default as default_policy
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from openpyxl.utils.cell import get_column_letter

from hypermailer.campaign import Cell, SourceRow, Table
from hypermailer.cells import CellDisplayError, cell_reference, format_cell
from hypermailer.errors import HyperMailerError
from hypermailer.i18n import _

# Problem severities.
ERROR = "error"      # the row is not sent
WARNING = "warning"  # the row is sent; something in it was left out
INFO = "info"        # the row is not sent, on purpose

CC_HEADERS = frozenset({"cc", "עותק"})
ATTACHMENT_HEADERS = frozenset({"attachments", "attachment", "קבצים מצורפים", "קובץ מצורף"})


@dataclass(frozen=True)
class Recipient:
    """One row that will be sent.

    ``address`` is the addr-spec for the envelope and the To header, with
    the domain in IDNA ASCII form. ``fields[0]`` is the address cell's text as
    shown and ``fields[n]`` the n-th column after it (the status column is
    not counted). ``names`` maps each non-blank header to its column's text.
    ``key`` is the casefolded address, the identity used for duplicates,
    suppression and the journal.
    """

    row: int
    address: str
    display_name: str
    fields: tuple[str, ...]
    names: Mapping[str, str] = field(hash=False)
    cc: tuple[str, ...]
    attachments: tuple[Path, ...]
    key: str


@dataclass(frozen=True)
class Problem:
    """Why a row is skipped or flagged.

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


class AddressError(HyperMailerError):
    """A text cannot be used as a mail address.

    ``address`` is the text as given. ``code`` is ``empty``, ``several``,
    ``malformed`` (a broken ``Name <address>``), ``invalid`` or ``smtputf8``
    (non-ASCII before the ``@``). ``reason`` is email-validator's explanation
    (in English), or ``""``.
    """

    def __init__(self, message: str, *, address: str, code: str, reason: str = "") -> None:
        super().__init__(message)
        self.address = address
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------------------
# Addresses

# Marks that right-to-left keyboards and copy-paste leave around addresses:
# zero-width characters, bidirectional marks, embeddings and isolates, BOM.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u061c"
# No-break and other Unicode spaces, and control whitespace, become a plain space.
_SPACES = "\t\r\n\v\f\u00a0\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u3000"
_CLEANING = {**dict.fromkeys(map(ord, _INVISIBLE)), **dict.fromkeys(map(ord, _SPACES), " ")}

_MAILTO = re.compile(r"(^|<)\s*mailto:", re.IGNORECASE)
_MAILTO_QUERY = re.compile(r"\?[^>]*")

# Defects of the header parser that do not make an address unusable: an
# obsolete form such as a period in a display name ("Dana J. Cohen"), and
# non-ASCII before the @, which email-validator reports with its reason.
_HARMLESS_DEFECTS = (email_errors.ObsoleteHeaderDefect, email_errors.NonASCIILocalPartDefect)


def clean_text(text: str) -> str:
    """Remove invisible marks and turn unusual spaces into plain ones, then trim."""
    return text.translate(_CLEANING).strip()


def split_addresses(text: str) -> list[str]:
    """Split a cell containing several addresses at ``,``, ``;`` or line breaks.

    Separators inside a quoted display name (``"Cohen, Dana" <dana@example.com>``),
    angle brackets or a comment are not split. Parts are cleaned; empty
    parts are dropped.
    """
    parts, current = [], []
    quoted = False
    depth = 0
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "<(":
            depth += 1
        elif not quoted and char in ">)" and depth:
            depth -= 1
        elif not quoted and not depth and char in ",;\r\n":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in (clean_text(part) for part in parts) if part]


def normalise_address(text: str) -> tuple[str, str]:
    """Parse and validate one address; return ``(display_name, addr_spec)``.

    Accepts ``dana@example.com``, ``Dana Cohen <dana@example.com>``,
    ``"Cohen, Dana" <dana@example.com>`` and a ``mailto:`` prefix, with
    invisible marks and no-break spaces around them. The addr-spec comes back
    with its domain lower-cased and in IDNA ASCII form.

    Raises :class:`AddressError` with a translated message.
    """
    if len(split_addresses(text)) > 1:
        raise _address_error("several", text)
    cleaned = _strip_mailto(clean_text(text))
    if not cleaned:
        raise _address_error("empty", text)

    display_name, addr_spec = _split_display_name(cleaned)
    return display_name, _validate(addr_spec, cleaned)


def address_key(addr_spec: str) -> str:
    """Return the identity of an address: its ASCII form, casefolded.

    Text that is not a valid address gives its cleaned text, casefolded, so
    this function raises nothing for any string.
    """
    try:
        _name, address = normalise_address(addr_spec)
    except AddressError:
        address = clean_text(addr_spec)
    return address.casefold()


def _strip_mailto(text: str) -> str:
    stripped = _MAILTO.sub(r"\1", text)
    if stripped == text:
        return text
    # A mailto: link may carry ?subject=... after the address.
    return _MAILTO_QUERY.sub("", stripped).strip()


def _split_display_name(text: str) -> tuple[str, str]:
    """Separate ``Name <address>`` with the standard library's header parser."""
    if "<" not in text and ">" not in text:
        return "", text
    try:
        header = default_policy.header_factory("To", text)
    except (email_errors.HeaderParseError, ValueError, IndexError):
        # NOTE: the parser reports most problems as defects, but some inputs
        # have made it raise in past Python releases.
        raise _address_error("malformed", text) from None

    defects = [defect for defect in header.defects if not isinstance(defect, _HARMLESS_DEFECTS)]
    in_group = any(group.display_name is not None for group in header.groups)
    if defects or in_group or len(header.addresses) != 1:
        raise _address_error("malformed", text)
    address = header.addresses[0]
    return address.display_name, address.addr_spec


def _validate(addr_spec: str, entered: str) -> str:
    try:
        result = validate_email(addr_spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        local_part = addr_spec.rpartition("@")[0]
        code = "smtputf8" if local_part and not local_part.isascii() else "invalid"
        raise _address_error(code, entered, str(error)) from error
    return result.ascii_email


def _address_error(code: str, address: str, reason: str = "") -> AddressError:
    message = _address_message(code, address=address, reason=reason)
    return AddressError(message, address=address, code=code, reason=reason)


def _address_message(code: str, *, address: str, reason: str = "", cell: str = "") -> str:
    """Return the translated message for an :class:`AddressError` code.

    With *cell* (an Excel reference) the message names the cell and states
    that the row is not sent.
    """
    if cell:
        return _located_address_message(code, address, reason, cell)
    if code == "empty":
        return _("The address is empty. Enter an address such as dana@example.com.")
    if code == "several":
        return _(
            "{address!r} contains more than one address. Give one address, and put "
            "quotes around a display name that contains a comma, as in "
            "\"Cohen, Dana\" <dana@example.com>."
        ).format(address=address)
    if code == "malformed":
        return _(
            "{address!r} is not a valid name and address. Write it as "
            "Dana Cohen <dana@example.com>, with quotes around a name that contains a comma."
        ).format(address=address)
    if code == "smtputf8":
        return _(
            "{address!r} has non-ASCII characters before the @, which only mail servers "
            "with SMTPUTF8 accept, and HyperMailer does not use SMTPUTF8. {reason} "
            "Ask the recipient for an address in Latin letters."
        ).format(address=address, reason=reason)
    return _("{address!r} is not a valid email address. {reason} Correct the address.").format(
        address=address, reason=reason)


def _located_address_message(code: str, address: str, reason: str, cell: str) -> str:
    if code == "empty":
        return _(
            "{cell}: the row has data but no address. Enter the address, "
            "or clear the row so that it is ignored."
        ).format(cell=cell)
    if code == "several":
        return _(
            "{cell}: {address!r} contains more than one address. Keep one address in the "
            "cell (further ones go in a CC column), and put quotes around a display name "
            "that contains a comma, as in \"Cohen, Dana\" <dana@example.com>. "
            "This row is not sent."
        ).format(cell=cell, address=address)
    if code == "malformed":
        return _(
            "{cell}: {address!r} is not a valid name and address. Write it as "
            "Dana Cohen <dana@example.com>, with quotes around a name that contains a "
            "comma. This row is not sent."
        ).format(cell=cell, address=address)
    if code == "smtputf8":
        return _(
            "{cell}: {address!r} has non-ASCII characters before the @, which only mail "
            "servers with SMTPUTF8 accept, and HyperMailer does not use SMTPUTF8. {reason} "
            "Ask the recipient for an address in Latin letters. This row is not sent."
        ).format(cell=cell, address=address, reason=reason)
    return _(
        "{cell}: {address!r} is not a valid email address. {reason} "
        "Correct the address. This row is not sent."
    ).format(cell=cell, address=address, reason=reason)


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
    first_rows: dict[str, int] = {}
    recipients: list[Recipient] = []
    problems: list[Problem] = []
    blank_rows = 0

    for row in table.rows:
        cells = tuple(_cell_at(row, index) for index in columns.data)
        if all(_is_empty(cell) for cell in cells):
            blank_rows += 1
            continue
        reader = _RowReader(table, row, cells, columns, base_folder, suppressed, first_rows)
        recipient = reader.read()
        problems.extend(reader.problems)
        if recipient is not None:
            recipients.append(recipient)

    return RecipientList(tuple(recipients), tuple(problems), blank_rows)


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
    """Read one non-blank row; collect its problems in ``problems``."""

    def __init__(self, table: Table, row: SourceRow, cells: tuple[Cell, ...], columns: _Columns,
                 base_folder: Path, suppressed: frozenset[str], first_rows: dict[str, int]) -> None:
        self.table = table
        self.row = row
        self.cells = cells
        self.columns = columns
        self.base_folder = base_folder
        self.suppressed = suppressed
        self.first_rows = first_rows
        self.problems: list[Problem] = []

    def read(self) -> Recipient | None:
        """Return the row's recipient, or ``None`` when the row is skipped."""
        address_cell = self.cells[0]
        if self.row.hidden:
            self._add(address_cell, "hidden", INFO, _(
                "{cell}: the row is hidden by a filter, so it is skipped. "
                "Show the row to include it."
            ).format(cell=self._reference(address_cell)))
            return None

        # A row skipped on purpose reports only why, not what else is wrong in it.
        address = self._address(address_cell)
        if address is not None and not self._claim(address_cell, address[1]):
            return None

        texts = self._texts()
        cc = self._cc(address[1] if address is not None else "")
        attachments = self._attachments()
        if address is None or any(problem.severity == ERROR for problem in self.problems):
            return None

        display_name, addr_spec = address
        return Recipient(
            row=self.row.number,
            address=addr_spec,
            display_name=display_name,
            fields=tuple(texts),
            names=types.MappingProxyType(self._names(texts)),
            cc=cc,
            attachments=attachments,
            key=addr_spec.casefold(),
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

    def _claim(self, cell: Cell, addr_spec: str) -> bool:
        """Check suppression and duplicates; return whether the row may go on."""
        key = addr_spec.casefold()
        reference = self._reference(cell)
        if key in self.suppressed:
            self._add(cell, "unsubscribed", INFO, _(
                "{cell}: {address} is on the unsubscribe list, so this row is skipped."
            ).format(cell=reference, address=addr_spec))
            return False
        first_row = self.first_rows.setdefault(key, self.row.number)
        if first_row != self.row.number:
            self._add(cell, "duplicate", INFO, _(
                "{cell}: {address} is a duplicate of row {first_row}, "
                "so this row is skipped and row {first_row} is sent."
            ).format(cell=reference, address=addr_spec, first_row=first_row))
            return False
        return True

    def _cc(self, own_address: str) -> tuple[str, ...]:
        """Return the row's CC addresses, unique, without the row's own address."""
        addresses: dict[str, str] = {}
        seen = {own_address.casefold()}
        for position, index in enumerate(self.columns.data):
            cell = self.cells[position]
            if index not in self.columns.cc or cell.error is not None or _is_empty(cell):
                continue
            text = self._format(cell)
            for part in split_addresses(text):
                address = self._cc_address(cell, part)
                if address and address.casefold() not in seen:
                    seen.add(address.casefold())
                    addresses[address.casefold()] = address
        return tuple(addresses.values())

    def _cc_address(self, cell: Cell, text: str) -> str | None:
        reference = self._reference(cell)
        try:
            _name, address = normalise_address(text)
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
        return address

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
