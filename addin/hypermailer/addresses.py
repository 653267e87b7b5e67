"""Clean, split, parse and validate the mail addresses typed into cells."""

from __future__ import annotations

import re
from email import errors as email_errors
from email.policy import default as default_policy

from email_validator import EmailNotValidError, validate_email

from hypermailer import address_problems
from hypermailer.errors import HyperMailerError
from hypermailer.i18n import _


class AddressError(HyperMailerError):
    """A text cannot be used as a mail address.

    ``address`` is the text as given. ``code`` is ``empty``, ``several``,
    ``malformed`` (a broken ``Name <address>``), ``invalid`` or ``smtputf8``
    (non-ASCII before the ``@``). ``reason`` is the translated sentence
    naming the problem (see :mod:`hypermailer.address_problems`), or ``""``.
    """

    def __init__(self, message: str, *, address: str, code: str, reason: str = "") -> None:
        super().__init__(message)
        self.address = address
        self.code = code
        self.reason = reason


# Marks that right-to-left keyboards and copy-paste leave around addresses:
# zero-width characters, bidirectional marks, embeddings and isolates, BOM.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u061c"
# No-break and other Unicode spaces, and control whitespace, become a plain space.
_SPACES = "\t\r\n\v\f\u00a0\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u3000"
_REMOVE_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))
_CLEANING = {**_REMOVE_INVISIBLE, **dict.fromkeys(map(ord, _SPACES), " ")}

# Hebrew letters alef to tav (final forms included) and the Yiddish ligatures.
_HEBREW_LETTER = re.compile("[\u05d0-\u05ea\u05f0-\u05f2]")

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
    angle brackets or a comment are not split. A ``"`` between two Hebrew
    letters is a gershayim (``בע"מ``), not a quote. Parts are cleaned; empty
    parts are dropped.
    """
    text = text.translate(_REMOVE_INVISIBLE)
    parts, current = [], []
    quoted = False
    depth = 0
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"' and not _is_gershayim(text, index):
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
    ``"Cohen, Dana" <dana@example.com>``, an unquoted Hebrew name with a
    gershayim (``אור ים בע"מ <office@example.com>``) and a ``mailto:`` prefix,
    with invisible marks, no-break spaces and ``,`` or ``;`` separators around
    them. The addr-spec comes back with its domain lower-cased and in IDNA
    ASCII form.

    Raises :class:`AddressError` with a translated message.
    """
    parts = split_addresses(text)
    if len(parts) > 1:
        raise _address_error("several", text)
    cleaned = _strip_mailto(parts[0]) if parts else ""
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
    """Separate ``Name <address>`` into the name and the addr-spec, or raise :class:`AddressError`."""
    if "<" not in text and ">" not in text:
        return "", text
    name = text.rpartition("<")[0]
    # The standard parser takes the two gershayim in ``בע"מ ת"א`` for the
    # quotes of a quoted string and drops them, so such a name bypasses it.
    parsed = None if _has_gershayim(name) else _parse_mailbox(text)
    if parsed is None:
        parsed = _split_unquoted_name(text)
    if parsed is None:
        raise _address_error("malformed", text)
    return parsed


def _parse_mailbox(text: str) -> tuple[str, str] | None:
    """Parse ``Name <address>`` with the standard library's header parser, or return ``None``."""
    try:
        header = default_policy.header_factory("To", text)
    except (email_errors.HeaderParseError, ValueError, IndexError):
        # NOTE: the parser reports most problems as defects, but some inputs
        # have made it raise in past Python releases.
        return None

    defects = [defect for defect in header.defects if not isinstance(defect, _HARMLESS_DEFECTS)]
    in_group = any(group.display_name is not None for group in header.groups)
    if defects or in_group or len(header.addresses) != 1:
        return None
    address = header.addresses[0]
    return address.display_name, address.addr_spec


def _split_unquoted_name(text: str) -> tuple[str, str] | None:
    """Take the text before the last ``<`` as the name when *text* ends with ``<addr-spec>``.

    Hebrew names are typed without quotes even when they contain a gershayim
    (``אור ים בע"מ <office@example.com>``), which RFC 5322 does not allow.
    Return ``None`` when the name contains a ``<``, ``>``, ``@`` or ``:``
    (another address or a group), a non-printable character, or a ``"`` that is
    neither a gershayim nor one of a pair around the whole name.
    """
    name, bracket, rest = text.rpartition("<")
    addr_spec = rest[:-1].strip()
    if not bracket or not rest.endswith(">") or not addr_spec or ">" in addr_spec:
        return None

    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    if any(char in "<>@:" or not char.isprintable() for char in name):
        return None
    if any(char == '"' and not _is_gershayim(name, index) for index, char in enumerate(name)):
        return None
    return name, addr_spec


def _is_gershayim(text: str, index: int) -> bool:
    """Tell whether the ``"`` at *index* sits between two Hebrew letters, as in ``בע"מ``."""
    return (0 < index < len(text) - 1
            and _HEBREW_LETTER.match(text[index - 1]) is not None
            and _HEBREW_LETTER.match(text[index + 1]) is not None)


def _has_gershayim(text: str) -> bool:
    return any(char == '"' and _is_gershayim(text, index) for index, char in enumerate(text))


def _validate(addr_spec: str, entered: str) -> str:
    try:
        result = validate_email(addr_spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        local_part = addr_spec.rpartition("@")[0]
        code = "smtputf8" if local_part and not local_part.isascii() else "invalid"
        raise _address_error(code, entered, address_problems.describe(addr_spec, str(error))) from error
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
