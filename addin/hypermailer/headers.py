"""Header folding for outgoing messages that keeps every space and every URL intact.

``SMTP_POLICY`` is ``email.policy.SMTP`` with its own folding for unstructured
headers (Subject, List-Unsubscribe, X-...) and address headers (From, To, Cc,
Reply-To). The standard library's folder was not usable for two reasons,
both observed with CPython 3.11.7:

* It sometimes moves the space between two words out of an RFC 2047
  encoded-word and into the folding whitespace between two encoded-words,
  which decoders must ignore, so a Hebrew subject or display name arrives with
  two words run together.
* It encodes an ASCII word longer than a line (the URL in List-Unsubscribe)
  as encoded-words, which mail clients then do not read as a URL.

Here a non-ASCII value becomes base64 encoded-words that each hold whole
characters, spaces included. An ASCII value is folded at its spaces only, so a
long word keeps a line of its own (up to 998 octets).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

from email import policy
from email.headerregistry import Address, AddressHeader, HeaderRegistry, UnstructuredHeader
from email.policy import EmailPolicy

# RFC 5322 section 2.1.1: a line is at most 998 octets without CRLF.
MAX_LINE_OCTETS = 998

# RFC 2047 section 2: an encoded-word is at most 75 characters long.
_MAX_ENCODED_WORD = 75
_ENCODED_WORD_OVERHEAD = len("=?utf-8?b??=")

# The smallest encoded-word: one character of up to 4 octets.
_MIN_ENCODED_WORD = _ENCODED_WORD_OVERHEAD + 8


class _UnstructuredHeader(UnstructuredHeader):
    """A free-text header such as List-Unsubscribe, folded by :func:`_fold`.

    An ASCII value is never encoded, so a URL stays readable as a URL even
    when it is longer than a line.
    """

    def fold(self, *, policy: EmailPolicy) -> str:
        value = str(self)
        if value.isascii():
            return _fold(self.name, value.split(" ") if value else [], policy)
        return _fold(self.name, list(_encoded_words(value, _first_room(self.name, policy))), policy)


class _SubjectHeader(_UnstructuredHeader):
    """The Subject, which is only read by people, so a word longer than a line is encoded."""

    max_count = 1

    def fold(self, *, policy: EmailPolicy) -> str:
        value = str(self)
        words = value.split(" ")
        if value.isascii() and all(len(word) < policy.max_line_length - 1 for word in words):
            return _fold(self.name, words if value else [], policy)
        return _fold(self.name, list(_encoded_words(value, _first_room(self.name, policy))), policy)


class _AddressHeader(AddressHeader):
    """An address list header whose display names are folded by :func:`_fold`."""

    max_count = 1

    def fold(self, *, policy: EmailPolicy) -> str:
        tokens: list[str] = []
        room = _first_room(self.name, policy)
        for index, address in enumerate(self.addresses):
            if index:
                tokens[-1] += ","
                room = policy.max_line_length
            tokens.extend(_mailbox_tokens(address, room))
        return _fold(self.name, tokens, policy)


def _mailbox_tokens(address: Address, room: int) -> list[str]:
    """Split one mailbox into the pieces a line may be folded between."""
    if not address.display_name:
        return [address.addr_spec]
    if address.display_name.isascii():
        # str() quotes the name when it has specials. Folding inside the
        # quotes is allowed, and unfolding gives the same name back.
        return str(address).split(" ")
    return [*_encoded_words(address.display_name, room), f"<{address.addr_spec}>"]


def _encoded_words(text: str, first_room: int) -> Iterator[str]:
    """Encode *text* as UTF-8 base64 encoded-words of whole characters.

    The first word fits in *first_room* characters when that leaves space for
    at least one character. Every other word is at most 75 characters long.
    """
    limit = _payload_octets(first_room if first_room >= _MIN_ENCODED_WORD else _MAX_ENCODED_WORD)
    chunk = bytearray()
    for character in text:
        octets = character.encode("utf-8")
        if chunk and len(chunk) + len(octets) > limit:
            yield _encoded_word(bytes(chunk))
            chunk.clear()
            limit = _payload_octets(_MAX_ENCODED_WORD)
        chunk += octets
    if chunk:
        yield _encoded_word(bytes(chunk))


def _payload_octets(room: int) -> int:
    """Return how many octets fit base64-encoded in an encoded-word of *room* characters."""
    characters = min(room, _MAX_ENCODED_WORD) - _ENCODED_WORD_OVERHEAD
    return characters // 4 * 3


def _encoded_word(octets: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(octets).decode('ascii')}?="


def _first_room(name: str, policy: EmailPolicy) -> int:
    """Return the characters left on the first line after ``Name: ``."""
    return policy.max_line_length - len(name) - 2


def _fold(name: str, tokens: list[str], policy: EmailPolicy) -> str:
    """Join *tokens* with spaces into lines of at most ``max_line_length``.

    A line is broken only between tokens, and never before the first one,
    because a parser keeps a space that follows ``Name:`` on a line of its own.
    Between two encoded-words the fold is ignored by decoders; elsewhere
    unfolding restores the single space.

    Raises:
        ValueError: a token does not fit in 998 octets.
    """
    lines = [f"{name}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > policy.max_line_length and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + token
    if any(len(line) > MAX_LINE_OCTETS for line in lines):
        raise ValueError(f"header {name!r} has a word longer than {MAX_LINE_OCTETS} characters")
    return policy.linesep.join(lines) + policy.linesep


class _CachingHeaderRegistry(HeaderRegistry):
    """A HeaderRegistry that builds each header class once.

    The standard registry creates a new class with ``type()`` for every
    header of every message, which profiling showed as the largest single
    cost of composing a message.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.clear()

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


def _header_registry() -> HeaderRegistry:
    registry = _CachingHeaderRegistry(default_class=_UnstructuredHeader)
    registry.map_to_type("subject", _SubjectHeader)
    for name in ("from", "to", "cc", "reply-to"):
        registry.map_to_type(name, _AddressHeader)
    return registry


SMTP_POLICY = policy.SMTP.clone(header_factory=_header_registry())
