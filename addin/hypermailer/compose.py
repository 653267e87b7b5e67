"""Rendered message parts -> one RFC 5322 message for one recipient.

The message is an :class:`email.message.EmailMessage` with
``email.policy.SMTP`` and HyperMailer's header folding. What goes on the wire
is 7-bit ASCII with CRLF line endings. Non-ASCII headers become RFC 2047
encoded-words, non-ASCII file names RFC 2231 parameters, IDN domains their
IDNA (``xn--``) form, and every body part is quoted-printable or base64. Header values are reduced to one line
before they are set, so no value can start a header of its own.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import idna

from hypermailer.headers import SMTP_POLICY
from hypermailer.i18n import _
from hypermailer.render import Rendered

__all__ = ["compose", "message_bytes", "new_message_id"]

# C0 and C1 control characters (CR, LF and TAB among them) and the Unicode line
# and paragraph separators.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

# A header name is printable ASCII without a colon (RFC 5322 section 2.2).
_HEADER_NAME = re.compile(r"[!-9;-~]+")

_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")

# Headers that compose sets itself, which extra_headers may not replace. Bcc is
# among them because a Bcc header would show the hidden recipients to everyone.
_RESERVED_HEADERS = frozenset({
    "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
    "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
})


def compose(rendered: Rendered, *, sender_address: str, sender_name: str,
            recipient_address: str, recipient_name: str = "",
            cc: Sequence[str] = (), cc_names: Sequence[str] = (), reply_to: str = "",
            attachments: Sequence[Path] = (), message_id: str, date: datetime,
            extra_headers: Mapping[str, str] = {}) -> EmailMessage:
    """Build the message for one recipient from its rendered parts.

    The message has the text and the HTML of *rendered* as
    alternatives, inside ``multipart/mixed`` when there are attachments.
    ``To`` contains only the recipient; there is never a ``Bcc`` header.
    *cc* and *reply_to* accept ``address`` or ``Name <address>``; *cc_names*,
    when given, contains a display name for each address of *cc*.
    *extra_headers* adds headers such as ``List-Unsubscribe``.

    Raises:
        ValueError: an address cannot be parsed or encoded, *date* has no
            time zone, *message_id* is not ``<left@right>``, or an extra
            header name is invalid or one that compose sets itself.
        OSError: an attachment cannot be read.
    """
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = _mailbox(sender_address, sender_name)
    message["To"] = _mailbox(recipient_address, recipient_name)
    if cc:
        names = tuple(cc_names) or ("",) * len(cc)
        message["Cc"] = [_mailbox(address, name) for address, name in zip(cc, names)]
    if reply_to:
        message["Reply-To"] = _mailbox(reply_to)
    message["Subject"] = _one_line(rendered.subject)
    message["Date"] = _format_date(date)
    message["Message-ID"] = _checked_message_id(message_id)
    for name, value in extra_headers.items():
        message[_checked_header_name(name)] = _one_line(value)

    message.set_content(rendered.text, subtype="plain", charset="utf-8",
                        cte=_transfer_encoding(rendered.text))
    message.add_alternative(rendered.html, subtype="html", charset="utf-8",
                            cte=_transfer_encoding(rendered.html))
    for path in attachments:
        _attach(message, Path(path))

    _remove_inner_mime_version(message)
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """Serialise *message* for SMTP: CRLF line endings, 7-bit ASCII."""
    return message.as_bytes(policy=SMTP_POLICY)


def new_message_id(sender_address: str) -> str:
    """Return a new random ``<id@domain>`` Message-ID on the sender's domain."""
    domain = _mailbox(sender_address).domain
    return f"<{secrets.token_hex(16)}@{domain}>"


def _mailbox(text: str, display_name: str = "") -> Address:
    """Parse ``address`` or ``Name <address>``; the domain comes back in IDNA form.

    A non-empty *display_name* replaces the name in *text*.
    """
    value = _one_line(text)
    header = policy.default.header_factory("to", value)
    groups = header.groups
    if header.defects or len(groups) != 1 or groups[0].display_name is not None or len(header.addresses) != 1:
        raise ValueError(_("The address {address!r} is invalid. Write one address such as "
                           "name@example.org.").format(address=value))

    address = header.addresses[0]
    if not address.username or not address.domain:
        raise ValueError(_("The address {address!r} is invalid. Write one address such as "
                           "name@example.org.").format(address=value))
    if not address.username.isascii():
        # NOTE: a non-ASCII local part needs SMTPUTF8, which HyperMailer does not use.
        raise ValueError(_("The address {address!r} has non-ASCII characters before the @. "
                           "Use an address whose part before the @ is ASCII.").format(address=value))

    name = _one_line(display_name) or address.display_name
    return Address(display_name=name, username=address.username, domain=_ascii_domain(address.domain))


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValueError(_("The domain {domain!r} is not a valid internationalised domain name ({detail}).")
                         .format(domain=domain, detail=error)) from error


def _one_line(value: str) -> str:
    """Replace line breaks and other control characters with spaces, and trim."""
    return _CONTROL_CHARACTERS.sub(" ", value).strip()


def _format_date(date: datetime) -> str:
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError(f"the message date {date!r} has no time zone")
    return format_datetime(date)


def _checked_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"the Message-ID {message_id!r} is not of the form <left@right>")
    return message_id


def _checked_header_name(name: str) -> str:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"the header name {name!r} is invalid")
    if name.lower() in _RESERVED_HEADERS:
        raise ValueError(f"the header {name!r} is set by compose and cannot be an extra header")
    return name


def _transfer_encoding(text: str) -> str:
    """Choose quoted-printable or base64, whichever is shorter for *text*.

    Neither needs 8BITMIME on the server. Quoted-printable spells each
    non-ASCII byte as three characters (=D7), base64 spells every three bytes
    as four. English text and HTML markup stay readable and small in
    quoted-printable. Hebrew letters are two UTF-8 bytes each, which base64
    sends in less than half the size of quoted-printable.
    """
    data = text.encode("utf-8")
    non_ascii = sum(1 for byte in data if byte >= 0x80)
    quoted_printable_size = len(data) + 2 * non_ascii
    base64_size = len(data) * 4 / 3
    return "quoted-printable" if quoted_printable_size <= base64_size else "base64"


def _attach(message: EmailMessage, path: Path) -> None:
    """Attach the file at *path*; its type is guessed from the name."""
    content_type, encoding = mimetypes.guess_type(path.name, strict=False)
    if content_type is None or encoding is not None:
        # A compressed file (encoding "gzip") is sent as plain bytes.
        content_type = "application/octet-stream"
    maintype, subtype = content_type.split("/", 1)
    message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=_one_line(path.name))


def _remove_inner_mime_version(message: EmailMessage) -> None:
    """Delete the MIME-Version header that each added part carries; only the top needs it."""
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
