"""Warnings about what gets a built message filtered as spam or rejected by the receiving server.

None of these stops a send: each is a :class:`Finding` that check shows as a
warning. The lists of blocked file types and free-mail providers are the
common cases, not every provider's full policy.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from hypermailer.campaign import Mailbox
from hypermailer.i18n import _

__all__ = ["Finding", "LARGE_MESSAGE_BYTES", "check_message", "is_free_mail", "is_no_reply"]

#: Many receiving servers reject messages over 10 MB, whatever the sending mailbox allows.
LARGE_MESSAGE_BYTES = 10 * 1024 * 1024

#: File types that Gmail and Outlook.com refuse as attachments (also inside a zip file),
#: because they can run code on the recipient's computer.
BLOCKED_EXTENSIONS = frozenset({
    ".ade", ".adp", ".apk", ".appx", ".bat", ".cab", ".chm", ".cmd", ".com", ".cpl", ".dll",
    ".dmg", ".exe", ".hta", ".img", ".ins", ".iso", ".isp", ".jar", ".jnlp", ".js", ".jse",
    ".lib", ".lnk", ".mde", ".mjs", ".msc", ".msi", ".msix", ".msp", ".mst", ".nsh", ".pif",
    ".ps1", ".reg", ".scr", ".sct", ".shb", ".sys", ".vb", ".vbe", ".vbs", ".vhd", ".vxd",
    ".wsc", ".wsf", ".wsh", ".xll",
})

#: Free-mail domains and the domains of the servers that may send as them. These
#: providers publish DMARC policies, so a message From them sent through
#: another server fails DMARC and is rejected or put in spam.
FREE_MAIL_SERVERS = {
    "gmail.com": ("gmail.com", "google.com", "googlemail.com"),
    "googlemail.com": ("gmail.com", "google.com", "googlemail.com"),
    "yahoo.com": ("yahoo.com",),
    "ymail.com": ("yahoo.com",),
    "rocketmail.com": ("yahoo.com",),
    "hotmail.com": ("outlook.com", "office365.com", "live.com", "hotmail.com"),
    "outlook.com": ("outlook.com", "office365.com", "live.com", "hotmail.com"),
    "live.com": ("outlook.com", "office365.com", "live.com", "hotmail.com"),
    "msn.com": ("outlook.com", "office365.com", "live.com", "hotmail.com"),
    "aol.com": ("aol.com",),
    "icloud.com": ("me.com", "icloud.com"),
    "me.com": ("me.com", "icloud.com"),
    "mac.com": ("me.com", "icloud.com"),
    "walla.co.il": ("walla.co.il",),
    "walla.com": ("walla.co.il", "walla.com"),
    "gmx.com": ("gmx.com", "gmx.net"),
    "gmx.net": ("gmx.com", "gmx.net"),
    "yandex.com": ("yandex.com", "yandex.ru", "yandex.net"),
    "yandex.ru": ("yandex.com", "yandex.ru", "yandex.net"),
    "mail.ru": ("mail.ru",),
    "zoho.com": ("zoho.com",),
    "proton.me": ("proton.me", "protonmail.ch"),
    "protonmail.com": ("proton.me", "protonmail.ch"),
}

#: Fewer words than this next to an image make a message "images only".
MIN_WORDS_WITH_IMAGES = 25

_NO_REPLY = re.compile(r"(?:no|do[-_.]?not)[-_.]?reply(?:$|[-_.+0-9])", re.IGNORECASE)
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"\w{2,}")
_CASED_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Finding:
    """One deliverability warning: a short ``kind`` code and a translated sentence.

    ``group`` is equal for the same problem in different rows, so check can
    report it once. It is the message itself, unless the message quotes a
    row's own text such as its subject.
    """

    kind: str
    message: str
    group: str = ""

    def __post_init__(self) -> None:
        if not self.group:
            object.__setattr__(self, "group", self.message)


def check_message(message: EmailMessage, mailbox: Mailbox, *, size: int) -> list[Finding]:
    """Return the deliverability warnings for one built *message* of *size* bytes."""
    findings: list[Finding] = []
    findings += _size_findings(size, mailbox)
    findings += _attachment_findings(message)
    findings += _body_findings(message)
    findings += _sender_findings(message, mailbox)
    findings += _subject_findings(str(message["Subject"] or ""))
    return findings


def is_no_reply(address: str) -> bool:
    """Tell whether *address* looks like a no-reply address (``noreply@``, ``do-not-reply@``)."""
    local_part = address.rpartition("@")[0] or address
    return bool(_NO_REPLY.match(local_part.strip().strip("<")))


def is_free_mail(address: str) -> bool:
    return _domain(address) in FREE_MAIL_SERVERS


def _size_findings(size: int, mailbox: Mailbox) -> list[Finding]:
    # A message over the mailbox's own limit is already an error of check.
    if LARGE_MESSAGE_BYTES < size <= mailbox.max_message_bytes:
        return [Finding("large-message", _(
            "The message is {size:.1f} MB. Many receiving servers reject messages over 10 MB: "
            "send a link to the file instead of attaching it."
        ).format(size=size / (1024 * 1024)))]
    return []


def _attachment_findings(message: EmailMessage) -> list[Finding]:
    findings = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if _is_blocked(name):
            findings.append(Finding("blocked-attachment", _(
                "The attachment {name} is a file type that Gmail, Outlook.com and many companies "
                "block. Send a link to it, or a PDF, instead."
            ).format(name=name)))
        elif name.lower().endswith(".zip"):
            inner = _blocked_in_zip(part.get_content())
            if inner:
                findings.append(Finding("blocked-attachment", _(
                    "The attachment {name} contains {inner}, a file type that Gmail, Outlook.com "
                    "and many companies block even inside a zip file. Send a link to it instead."
                ).format(name=name, inner=inner)))
    return findings


def _is_blocked(name: str) -> bool:
    lowered = name.lower().rstrip(". ")
    return any(lowered.endswith(extension) for extension in BLOCKED_EXTENSIONS)


def _blocked_in_zip(data: bytes) -> str:
    """Return the first blocked file name inside the zip *data*, or ``""``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return next((name for name in archive.namelist() if _is_blocked(name)), "")
    except (zipfile.BadZipFile, OSError):
        # NOTE: a file that only claims to be a zip is not inspected further.
        return ""


def _body_findings(message: EmailMessage) -> list[Finding]:
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html = html_part.get_content() if html_part is not None else ""
    words = len(_WORD.findall(_URL.sub(" ", text)))

    if html and not text.strip():
        return [Finding("html-only", _(
            "The message has HTML but no text, so its plain-text part is empty, which spam "
            "filters score against. Add text to the body."))]
    if _IMAGE.search(html) and words < MIN_WORDS_WITH_IMAGES:
        return [Finding("images-only", _(
            "The message is mostly images with only {count} words of text. Spam filters score "
            "image-only mail high: write the message as text and keep images as illustrations."
        ).format(count=words))]
    return []


def _sender_findings(message: EmailMessage, mailbox: Mailbox) -> list[Finding]:
    findings = []
    sender = mailbox.from_address
    if mailbox.kind == "smtp" and is_free_mail(sender) and not _sends_as(mailbox.host, sender):
        findings.append(Finding("free-mail-from", _(
            "The From address {address} is on {domain}, but mailbox {name} sends through "
            "{host}. {domain} tells receiving servers to reject such messages (DMARC). Send "
            "through {domain}'s own server, or from an address on your organisation's domain."
        ).format(address=sender, domain=_domain(sender), name=mailbox.name, host=mailbox.host)))
    if is_no_reply(sender) and not message["Reply-To"]:
        findings.append(Finding("no-reply", _(
            "The From address {address} is a no-reply address and the message has no Reply-To. "
            "Replies, including requests to unsubscribe, are lost, and some filters score "
            "no-reply senders. Set a Reply-To address that someone reads."
        ).format(address=sender)))
    return findings


def _subject_findings(subject: str) -> list[Finding]:
    findings = []
    cased_words = [word for word in _CASED_WORD.findall(subject) if word.lower() != word.upper()]
    if len(cased_words) >= 2 and all(word.isupper() for word in cased_words):
        findings.append(Finding("subject-capitals", _(
            "The subject {subject!r} is all in capital letters, which spam filters score. "
            "Write it in normal case."
        ).format(subject=subject), group="subject-capitals"))
    if "!!" in subject or subject.count("!") >= 3:
        findings.append(Finding("subject-exclamations", _(
            "The subject {subject!r} has several exclamation marks, which spam filters score. "
            "Use one at most."
        ).format(subject=subject), group="subject-exclamations"))
    return findings


def _sends_as(host: str, address: str) -> bool:
    """Tell whether *host* is one of the servers of the free-mail domain of *address*."""
    host = host.strip().lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain)
               for domain in FREE_MAIL_SERVERS[_domain(address)])


def _domain(address: str) -> str:
    parsed = getaddresses([address])
    addr_spec = parsed[0][1] if parsed else address
    return addr_spec.rpartition("@")[2].strip().lower()
