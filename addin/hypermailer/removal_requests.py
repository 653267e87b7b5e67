"""Find the "הסר" replies among saved messages, so their senders stop getting mail.

The footer of an advertisement invites the recipient to reply with the word
"הסר" (remove). This module reads replies saved from a mail program, as
``.eml`` files, folders of them or ``.mbox`` files, and returns the sender of
each message whose subject or first line of text is a request to be removed.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from hypermailer import suppression
from hypermailer.campaign import Mailbox
from hypermailer.i18n import _

#: Words that ask to be removed, in lower case: Hebrew and English.
REMOVAL_WORDS = frozenset({"הסר", "הסרה", "הסירו", "להסיר", "הסר אותי", "הסירו אותי",
                           "unsubscribe", "remove", "remove me", "stop"})

# Reply and forward prefixes mail programs put before a subject, in Hebrew and English.
_PREFIXES = re.compile(r"^\s*((re|fw|fwd|aw|השב|תשובה|הועבר)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Punctuation a person adds around the word ("הסר!", "*remove*").
_PUNCTUATION = re.compile(r"[\s\"'.,;:!?*()\[\]\-–—]+")


@dataclass(frozen=True)
class RemovalRequest:
    """A removal request found in a saved message: the sender's address and the file it came from."""

    address: str
    source: str


@dataclass(frozen=True)
class ScanResult:
    """The outcome of a scan: messages read, requests found, and the changes to the list."""

    read: int
    requests: tuple[RemovalRequest, ...]
    added: tuple[RemovalRequest, ...]
    already_listed: tuple[str, ...]
    invalid: tuple[str, ...]


def scan(paths: list[Path]) -> tuple[list[RemovalRequest], int]:
    """Return the removal requests found in *paths* and how many messages were read in all."""
    requests: list[RemovalRequest] = []
    read = 0
    for message, where in _messages(paths):
        read += 1
        sender = parseaddr(str(message.get("From") or ""))[1]
        if sender and asks_removal(message):
            requests.append(RemovalRequest(address=sender, source=where))
    return requests, read


def suppress_senders(mailbox: Mailbox, paths: list[Path]) -> ScanResult:
    """Add the sender of every removal request in *paths* to the mailbox's suppression list.

    Each address is recorded with the file it came from, which both front ends show.
    """
    requests, read = scan(paths)
    added: list[RemovalRequest] = []
    already: list[str] = []
    invalid: list[str] = []
    for request in requests:
        result = suppression.add_addresses(mailbox, [request.address],
                                           source=_("reply {file}").format(file=request.source))
        added += [RemovalRequest(address, request.source) for address in result.added]
        already += result.already_listed
        invalid += result.invalid
    return ScanResult(read, tuple(requests), tuple(added), tuple(already), tuple(invalid))


def asks_removal(message: EmailMessage) -> bool:
    """Tell whether the message's subject or first line of text is a request to be removed."""
    subject = _PREFIXES.sub("", str(message.get("Subject") or ""))
    return _is_removal_request(subject) or _is_removal_request(_first_line(message))


def _is_removal_request(text: str) -> bool:
    words = _PUNCTUATION.sub(" ", text).strip().casefold()
    return words in REMOVAL_WORDS


def _first_line(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError):  # an unknown charset or a damaged encoding
        return ""
    return next((line for line in text.splitlines() if line.strip()), "")


def _messages(paths: list[Path]) -> Iterator[tuple[EmailMessage, str]]:
    parser = BytesParser(policy=policy.default)
    for path in paths:
        if path.is_dir():
            for file in sorted(path.glob("*.eml")):
                yield parser.parsebytes(file.read_bytes()), file.name
        elif path.suffix.lower() == ".mbox":
            box = mailbox.mbox(path, create=False)
            try:
                for number, saved in enumerate(box, start=1):
                    yield parser.parsebytes(saved.as_bytes()), f"{path.name} #{number}"
            finally:
                box.close()
        else:
            yield parser.parsebytes(path.read_bytes()), path.name
