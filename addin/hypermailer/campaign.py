"""The value objects every front end builds and the engine consumes."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hypermailer.i18n import LANGUAGES, N_, translate_in


#: Header of the column HyperMailer writes each row's outcome into, by
#: workbook language. A column with either header is never a data field.
STATUS_HEADERS = {language: translate_in(language, N_("Send status")) for language in LANGUAGES}


class CellError(enum.Enum):
    """A cell that has no usable value."""

    ERROR_VALUE = "error"          # #N/A, #DIV/0! and the other Excel error values
    UNCALCULATED = "uncalculated"  # a formula saved without a cached result


@dataclass(frozen=True)
class Cell:
    """One sheet cell as stored: its value, its number format and its address.

    ``value`` is what openpyxl (or xlwings) returns: ``str``, ``int``,
    ``float``, ``bool``, ``datetime.datetime``/``date``/``time``,
    ``datetime.timedelta`` or ``None``. For an error value it is the error
    text (``"#N/A"``) and ``error`` is set.
    """

    value: object
    number_format: str = "General"
    coordinate: str = ""
    error: CellError | None = None


@dataclass(frozen=True)
class SourceRow:
    """A row of the recipients table; ``number`` is the 1-based sheet row."""

    number: int
    cells: tuple[Cell, ...]
    hidden: bool = False


@dataclass(frozen=True)
class Table:
    """The recipients list as read from a sheet or a CSV file.

    ``header`` contains the header texts, address column first. ``status_column``
    is the index of the column HyperMailer manages, or ``None`` when the sheet
    has none yet; it is never counted as a data field.
    """

    sheet: str
    header: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    status_column: int | None = None
    date1904: bool = False


class BodyFormat(enum.Enum):
    TEXT = "text"
    HTML = "html"
    MARKDOWN = "markdown"


class Security(enum.Enum):
    SSL = "ssl"            # implicit TLS, usually port 465
    STARTTLS = "starttls"  # usually port 587
    NONE = "none"          # usually port 25; no encryption


@dataclass(frozen=True)
class Mailbox:
    """An account HyperMailer sends through.

    ``kind`` is ``smtp`` or ``pickup``. A pickup mailbox writes ``.eml`` files
    into ``folder`` (relative paths are resolved against the workbook's folder
    by the reader). ``max_message_bytes`` is the server's size limit;
    ``allow_plain_auth`` permits sending the password over an unencrypted
    connection, which is otherwise refused.

    ``business_name``, ``business_address`` and ``business_phone`` are the
    advertiser's details that an advertisement's footer must show.
    ``unsubscribe_url`` is an ``https:`` URL template for one-click
    unsubscribe; it may use ``{address}`` and ``{token}``.
    """

    name: str
    from_address: str
    display_name: str = ""
    kind: str = "pickup"
    host: str = ""
    port: int = 0
    security: Security = Security.STARTTLS
    username: str = ""
    per_minute: int = 0
    per_day: int = 0
    reply_to: str = ""
    folder: Path | None = None
    max_message_bytes: int = 25 * 1024 * 1024
    allow_plain_auth: bool = False
    ca_file: Path | None = None
    timeout: float = 60.0
    connections: int = 1
    business_name: str = ""
    business_address: str = ""
    business_phone: str = ""
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class Campaign:
    """Everything one run needs, read once from a workbook or the CLI.

    ``attachments`` are the files every message carries; ``base_folder`` is
    where relative paths (attachments, a pickup folder) are resolved.
    ``organisation_template`` is HTML with a ``{{ body }}`` slot, or empty.
    ``advertisement`` marks the campaign as advertising mail, which gets the
    subject prefix, the advertiser's footer and the consent check.
    ``unsubscribe_key`` is the secret behind the ``{token}`` of the
    mailbox's unsubscribe URL, loaded from the keyring by the front end;
    empty when none is stored.
    """

    table: Table
    subject: str
    body: str
    body_format: BodyFormat = BodyFormat.TEXT
    mailbox_name: str = ""
    organisation_template: str = ""
    template_name: str = ""
    attachments: tuple[Path, ...] = ()
    reply_to: str = ""
    test_address: str = ""
    campaign_id: str = ""
    language: str = "he"
    unsubscribed: frozenset[str] = frozenset()
    base_folder: Path = Path(".")
    source_path: Path | None = None
    mailboxes: tuple[Mailbox, ...] = ()
    is_hypermailer_workbook: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    advertisement: bool = False
    unsubscribe_key: bytes = field(default=b"", repr=False)
    #: The source and date the Unsubscribed table gives for each of its addresses.
    unsubscribe_details: dict[str, str] = field(default_factory=dict)
    #: Where the subject and body were read from (``"subject"`` -> ``'Message'!B2``).
    locations: dict[str, str] = field(default_factory=dict)

    def content_fingerprint(self) -> str:
        """Return a short hash of the message's content: subject, body, format, template.

        The journal keeps it with each sent row, so a later run can tell the
        user that the message changed since those rows went.
        """
        parts = (self.subject, self.body, self.body_format.value, self.organisation_template)
        digest = hashlib.sha256("\x00".join(parts).encode("utf-8"))
        return digest.hexdigest()[:16]
