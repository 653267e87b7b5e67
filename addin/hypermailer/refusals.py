"""Find the "הסר" replies among saved messages, so their senders stop getting mail.

The footer of an advertisement asks the recipient to reply with the word
"הסר" (remove). This module reads replies saved from a mail program, as
``.eml`` files, folders of them or ``.mbox`` files, and returns the sender of
each message whose subject or first line of text asks to be removed.
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

#: Words that ask to be removed, in lower case: Hebrew and English.
REFUSAL_WORDS = frozenset({"הסר", "הסרה", "הסירו", "להסיר", "הסר אותי", "הסירו אותי",
                           "unsubscribe", "remove", "remove me", "stop"})

# Reply and forward prefixes mail programs put before a subject, in Hebrew and English.
_PREFIXES = re.compile(r"^\s*((re|fw|fwd|aw|השב|תשובה|הועבר)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Punctuation a person adds around the word ("הסר!", "*remove*").
_PUNCTUATION = re.compile(r"[\s\"'.,;:!?*()\[\]\-–—]+")


@dataclass(frozen=True)
class Refusal:
    """A removal request found in a saved message: the sender's address and the file it came from."""

    address: str
    source: str


def scan(paths: list[Path]) -> tuple[list[Refusal], int]:
    """Return the refusals found in *paths* and how many messages were read in all."""
    refusals: list[Refusal] = []
    read = 0
    for message, where in _messages(paths):
        read += 1
        sender = parseaddr(str(message.get("From") or ""))[1]
        if sender and asks_removal(message):
            refusals.append(Refusal(address=sender, source=where))
    return refusals, read


def asks_removal(message: EmailMessage) -> bool:
    """Tell whether the message's subject or first line of text is a request to be removed."""
    subject = _PREFIXES.sub("", str(message.get("Subject") or ""))
    return _is_refusal(subject) or _is_refusal(_first_line(message))


def _is_refusal(text: str) -> bool:
    words = _PUNCTUATION.sub(" ", text).strip().casefold()
    return words in REFUSAL_WORDS


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
