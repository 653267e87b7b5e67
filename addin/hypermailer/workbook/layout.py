"""Names the HyperMailer workbook is built around: tables, defined names, columns.

The build, the reader and the writer find everything through these table and
defined names, never through sheet titles or cell addresses, so titles can be
Hebrew and users can move things around. Each known table column has an
English header, translated through the message catalogue. The reader accepts
it in either language, whatever language the workbook was built in.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.i18n import LANGUAGES, N_, translate_in

RECIPIENTS_TABLE = "Recipients"
MAILBOXES_TABLE = "Mailboxes"
TEMPLATES_TABLE = "Templates"
UNSUBSCRIBED_TABLE = "Unsubscribed"
LOG_TABLE = "Log"

# Defined names of the single input cells on the message sheet.
MAILBOX = "Mailbox"
SUBJECT = "Subject"
BODY = "Body"
BODY_FORMAT = "BodyFormat"
TEMPLATE = "Template"
ATTACHMENTS = "Attachments"
REPLY_TO = "ReplyTo"
TEST_ADDRESS = "TestAddress"
CAMPAIGN_ID = "CampaignId"
LANGUAGE = "Language"
ADVERTISEMENT = "Advertisement"

# Defined names of the lists behind the Mailbox and Template drop-downs.
MAILBOX_NAMES = "MailboxNames"
TEMPLATE_NAMES = "TemplateNames"


@dataclass(frozen=True)
class Column:
    """A known table column: its key in code and its English header, a catalogue msgid."""

    key: str
    en: str

    def header(self, language: str) -> str:
        """Return the header in *language*, from the message catalogue."""
        return translate_in(language, self.en)

    @property
    def he(self) -> str:
        return self.header("he")


#: Columns of the Mailboxes table; each key is a ``parse_mailbox_row`` field.
MAILBOX_COLUMNS = (
    Column("name", N_("Name")),
    Column("from_address", N_("From address")),
    Column("display_name", N_("Display name")),
    Column("kind", N_("Kind")),
    Column("host", N_("Host")),
    Column("port", N_("Port")),
    Column("security", N_("Security")),
    Column("username", N_("Username")),
    Column("per_minute", N_("Per minute")),
    Column("per_day", N_("Per day")),
    Column("reply_to", N_("Reply-to")),
    Column("folder", N_("Folder")),
    Column("max_size_mb", N_("Max size (MB)")),
    Column("allow_plain_auth", N_("Allow unencrypted password")),
    Column("ca_file", N_("CA file")),
    Column("preset", N_("Preset")),
    Column("connections", N_("Connections")),
    Column("business_name", N_("Business name")),
    Column("business_address", N_("Business address")),
    Column("business_phone", N_("Business phone")),
    Column("unsubscribe_url", N_("Unsubscribe URL")),
)

TEMPLATE_COLUMNS = (
    Column("name", N_("Name")),
    Column("html", "HTML"),
)

UNSUBSCRIBED_COLUMNS = (
    Column("address", N_("Address")),
    Column("date", N_("Date")),
    Column("source", N_("Source")),
)

LOG_COLUMNS = (
    Column("time", N_("Time")),
    Column("campaign_id", N_("Campaign ID")),
    Column("mailbox", N_("Mailbox")),
    Column("sent", N_("Sent")),
    Column("failed", N_("Failed")),
    Column("skipped", N_("Skipped")),
    Column("uncertain", N_("Uncertain")),
    Column("note", N_("Note")),
)

#: Known columns by table name.
TABLE_COLUMNS = {
    MAILBOXES_TABLE: MAILBOX_COLUMNS,
    TEMPLATES_TABLE: TEMPLATE_COLUMNS,
    UNSUBSCRIBED_TABLE: UNSUBSCRIBED_COLUMNS,
    LOG_TABLE: LOG_COLUMNS,
}

#: English sheet titles (catalogue msgids) by the sheet's key. Code never
#: looks sheets up by these titles.
SHEET_KEYS_AND_TITLES = {
    RECIPIENTS_TABLE: N_("Recipients"),
    "Message": N_("Message"),
    MAILBOXES_TABLE: N_("Mailboxes"),
    TEMPLATES_TABLE: N_("Templates"),
    UNSUBSCRIBED_TABLE: N_("Unsubscribed"),
    LOG_TABLE: N_("Log"),
}

#: Sheet titles by language, translated from the catalogue.
SHEET_TITLES = {language: {key: translate_in(language, title)
                           for key, title in SHEET_KEYS_AND_TITLES.items()}
                for language in LANGUAGES}


def normalise_header(text: object) -> str:
    """Return a header as compared: trimmed, inner whitespace collapsed, casefolded."""
    if text is None:
        return ""
    return " ".join(str(text).split()).casefold()


def column_keys(table_name: str, header: tuple[str, ...]) -> dict[str, int]:
    """Map the key of each known column of *table_name* to its index in *header*.

    A header matches in either language; unknown headers are left out, and the
    first of two matching headers wins.
    """
    keys_by_header: dict[str, str] = {}
    for column in TABLE_COLUMNS[table_name]:
        for language in LANGUAGES:
            keys_by_header.setdefault(normalise_header(column.header(language)), column.key)

    indexes: dict[str, int] = {}
    for index, text in enumerate(header):
        key = keys_by_header.get(normalise_header(text))
        if key is not None and key not in indexes:
            indexes[key] = index
    return indexes


def is_status_header(text: object) -> bool:
    """Tell whether *text* is the header of the status column, in any language."""
    wanted = normalise_header(text)
    return any(wanted == normalise_header(header) for header in STATUS_HEADERS.values())
