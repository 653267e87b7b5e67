"""Names the HyperMailer workbook is built around: tables, defined names, columns.

The build, the reader and the writer find everything through these table and
defined names, never through sheet titles or cell addresses, so titles can be
Hebrew and users can move things around. Each known table column has a Hebrew
and an English header; the reader accepts either, whatever language the
workbook was built in.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypermailer.campaign import STATUS_HEADERS

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
ADVERTISEMENT = "Advertisement"

# Defined names of the lists behind the Mailbox and Template drop-downs.
MAILBOX_NAMES = "MailboxNames"
TEMPLATE_NAMES = "TemplateNames"


@dataclass(frozen=True)
class Column:
    """A known table column: its key in code and its header in each language."""

    key: str
    he: str
    en: str

    def header(self, language: str) -> str:
        return self.he if language == "he" else self.en


#: Columns of the Mailboxes table; each key is a ``parse_mailbox_row`` field.
MAILBOX_COLUMNS = (
    Column("name", "שם", "Name"),
    Column("from_address", "כתובת השולח", "From address"),
    Column("display_name", "שם תצוגה", "Display name"),
    Column("kind", "סוג", "Kind"),
    Column("host", "שרת", "Host"),
    Column("port", "פורט", "Port"),
    Column("security", "אבטחה", "Security"),
    Column("username", "שם משתמש", "Username"),
    Column("per_minute", "הודעות לדקה", "Per minute"),
    Column("per_day", "הודעות ליום", "Per day"),
    Column("reply_to", "כתובת לתשובות", "Reply-to"),
    Column("folder", "תיקייה", "Folder"),
    Column("max_size_mb", "גודל מרבי (MB)", "Max size (MB)"),
    Column("allow_plain_auth", "לאפשר סיסמה ללא הצפנה", "Allow unencrypted password"),
    Column("ca_file", "קובץ CA", "CA file"),
    Column("preset", "הגדרות ספק", "Preset"),
    Column("connections", "חיבורים במקביל", "Connections"),
    Column("business_name", "שם העסק", "Business name"),
    Column("business_address", "כתובת העסק", "Business address"),
    Column("business_phone", "טלפון העסק", "Business phone"),
    Column("unsubscribe_url", "קישור להסרה", "Unsubscribe URL"),
)

TEMPLATE_COLUMNS = (
    Column("name", "שם", "Name"),
    Column("html", "HTML", "HTML"),
)

UNSUBSCRIBED_COLUMNS = (
    Column("address", "כתובת", "Address"),
    Column("date", "תאריך", "Date"),
    Column("source", "מקור", "Source"),
)

LOG_COLUMNS = (
    Column("time", "זמן", "Time"),
    Column("campaign_id", "מזהה קמפיין", "Campaign ID"),
    Column("mailbox", "תיבת דואר", "Mailbox"),
    Column("sent", "נשלחו", "Sent"),
    Column("failed", "נכשלו", "Failed"),
    Column("skipped", "דולגו", "Skipped"),
    Column("uncertain", "ייתכן שנשלחו", "Uncertain"),
    Column("note", "הערה", "Note"),
)

#: Known columns by table name.
TABLE_COLUMNS = {
    MAILBOXES_TABLE: MAILBOX_COLUMNS,
    TEMPLATES_TABLE: TEMPLATE_COLUMNS,
    UNSUBSCRIBED_TABLE: UNSUBSCRIBED_COLUMNS,
    LOG_TABLE: LOG_COLUMNS,
}

#: Sheet titles by language. Code never looks sheets up by these titles.
SHEET_TITLES = {
    "he": {
        RECIPIENTS_TABLE: "נמענים",
        "Message": "הודעה",
        MAILBOXES_TABLE: "תיבות דואר",
        TEMPLATES_TABLE: "תבניות",
        UNSUBSCRIBED_TABLE: "הסרה מרשימת התפוצה",
        LOG_TABLE: "יומן",
    },
    "en": {
        RECIPIENTS_TABLE: "Recipients",
        "Message": "Message",
        MAILBOXES_TABLE: "Mailboxes",
        TEMPLATES_TABLE: "Templates",
        UNSUBSCRIBED_TABLE: "Unsubscribed",
        LOG_TABLE: "Log",
    },
}


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
        keys_by_header.setdefault(normalise_header(column.he), column.key)
        keys_by_header.setdefault(normalise_header(column.en), column.key)

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
