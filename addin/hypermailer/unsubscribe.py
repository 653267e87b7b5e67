"""The unsubscribe headers every message carries, and the token in an unsubscribe URL.

Every message gets ``List-Unsubscribe`` (RFC 2369) with a ``mailto:`` URI to
the mailbox's own address, and ``List-Id`` (RFC 2919) naming the mailbox's
list: spam filters score an unsubscribe header without a list id as a forged
list (SpamAssassin 4.0's LIST_PARTIAL_SHORT_MSG). When the mailbox has an unsubscribe URL template,
the header also carries that ``https:`` URL, and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058) lets the mail provider unsubscribe
the recipient with one POST request, with no page to click through.

The template may use ``{address}`` (the recipient's address, percent-encoded)
and ``{token}``: the lower-case hex HMAC-SHA256 of the address in lower case
under a key the administrator stores in the keyring. The organisation's site
recomputes the token to check that a request names an address we sent to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from urllib.parse import quote

import keyring
from keyring.errors import KeyringError

from hypermailer.addresses import AddressError, normalise_address
from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError, CredentialError
from hypermailer.i18n import _

__all__ = [
    "ONE_CLICK",
    "check_url_template",
    "delete_key",
    "get_key",
    "list_id",
    "list_unsubscribe_headers",
    "mailto_subject",
    "new_key",
    "set_key",
    "token",
    "unsubscribe_address",
    "unsubscribe_url",
]

#: The value of ``List-Unsubscribe-Post`` that RFC 8058 section 3.1 prescribes.
ONE_CLICK = "List-Unsubscribe=One-Click"

#: Subject of the unsubscribe mail, by campaign language ("הסר" means "remove").
MAILTO_SUBJECTS = {"he": "הסר", "en": "unsubscribe"}

#: The names an unsubscribe URL template may use.
URL_TEMPLATE_NAMES = frozenset({"address", "token"})

# RFC 2919 section 2: a list id is a dot-atom; the label here keeps to letters, digits, "-" and ".".
_LIST_LABEL_INVALID = re.compile(r"[^a-z0-9.-]+")

#: Keyring service of the unsubscribe keys; the passwords use ``credentials.SERVICE``.
KEY_SERVICE = "HyperMailer unsubscribe"


def list_unsubscribe_headers(mailbox: Mailbox, recipient_address: str, *, language: str,
                             key: bytes = b"") -> dict[str, str]:
    """Return the ``List-Id`` and ``List-Unsubscribe`` headers of one message to *recipient_address*.

    *key* is the mailbox's unsubscribe key; it is only needed when the URL
    template uses ``{token}``.

    Raises:
        ConfigurationError: the URL template is invalid, or uses ``{token}``
            and *key* is empty.
    """
    mailto = f"mailto:{unsubscribe_address(mailbox)}?subject={quote(mailto_subject(language))}"
    uris = [f"<{mailto}>"]
    url = unsubscribe_url(mailbox, recipient_address, key=key)
    if url:
        uris.append(f"<{url}>")

    headers = {"List-Id": list_id(mailbox), "List-Unsubscribe": ", ".join(uris)}
    if url:
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    return headers


def list_id(mailbox: Mailbox) -> str:
    """Return the mailbox's ``List-Id`` value: ``<local-part.domain>`` of its from address.

    One mailbox is one list because its suppression list is what a recipient
    leaves. Characters a list id may not contain become ``-``.
    """
    try:
        _name, address = normalise_address(mailbox.from_address)
    except AddressError:
        address = mailbox.from_address.strip()
    local_part, _at, domain = address.lower().rpartition("@")
    label = _LIST_LABEL_INVALID.sub("-", local_part).strip(".-") or "list"
    return f"<{label}.{domain}>"


def unsubscribe_address(mailbox: Mailbox) -> str:
    """Return the address unsubscribe mail goes to: the mailbox's reply-to, else its from address."""
    return (mailbox.reply_to or mailbox.from_address).strip()


def mailto_subject(language: str) -> str:
    return MAILTO_SUBJECTS.get(language, MAILTO_SUBJECTS["en"])


def unsubscribe_url(mailbox: Mailbox, recipient_address: str, *, key: bytes = b"") -> str:
    """Fill the mailbox's URL template for *recipient_address*; ``""`` when it has none.

    Raises:
        ConfigurationError: the template is invalid, or uses ``{token}`` and
            *key* is empty.
    """
    template = mailbox.unsubscribe_url.strip()
    if not template:
        return ""
    names = check_url_template(template, where=mailbox.name)
    values = {"address": quote(recipient_address.lower(), safe="@")}
    if "token" in names:
        if not key:
            raise ConfigurationError(missing_key_message(mailbox))
        values["token"] = token(recipient_address, key)
    return template.format(**values)


def check_url_template(template: str, *, where: str) -> set[str]:
    """Check an unsubscribe URL template and return the names it uses.

    Raises:
        ConfigurationError: the template is not an ``https:`` URL, has a
            space, or uses a name other than ``address`` and ``token``. The
            message starts with *where*.
    """
    if not template.lower().startswith("https://") or any(c.isspace() for c in template):
        raise ConfigurationError(_(
            "{where}: the unsubscribe URL {url!r} is invalid. Write one https:// address without "
            "spaces, such as https://example.com/unsubscribe?e={{address}}&t={{token}}."
        ).format(where=where, url=template))
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ConfigurationError(_(
            "{where}: the unsubscribe URL {url!r} has an unmatched brace ({error}). Use only "
            "{{address}} and {{token}} in braces."
        ).format(where=where, url=template, error=error)) from error

    names = {name for _literal, name, _spec, _conversion in fields if name is not None}
    unknown = sorted(names - URL_TEMPLATE_NAMES)
    if unknown:
        raise ConfigurationError(_(
            "{where}: the unsubscribe URL uses {{{name}}}, which is unknown. Use only {{address}} "
            "and {{token}}."
        ).format(where=where, name=unknown[0]))
    return names


def token(address: str, key: bytes) -> str:
    """Return the hex HMAC-SHA256 of *address* in lower case under *key*.

    The same address and key always give the same token; another key gives
    another token.
    """
    return hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def new_key() -> str:
    """Return a new random key: 32 bytes as 64 hex digits."""
    return secrets.token_hex(32)


def key_name(mailbox: Mailbox) -> str:
    """Return the keyring user name of the mailbox's key: its from address in lower case.

    Two mailboxes with one from address share the key, because to the
    recipient they are one sender.
    """
    return mailbox.from_address.strip().lower()


def get_key(mailbox: Mailbox) -> bytes:
    """Return the mailbox's unsubscribe key from the keyring, or ``b""`` when none is stored."""
    try:
        stored = keyring.get_password(KEY_SERVICE, key_name(mailbox))
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error
    return stored.encode("utf-8") if stored else b""


def set_key(mailbox: Mailbox, key: str) -> None:
    """Store *key* as the mailbox's unsubscribe key, replacing any stored one."""
    if len(key.strip()) < 16:
        raise ConfigurationError(_("The unsubscribe key must be at least 16 characters long; "
                                   "nothing was stored."))
    try:
        keyring.set_password(KEY_SERVICE, key_name(mailbox), key.strip())
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error


def delete_key(mailbox: Mailbox) -> bool:
    """Delete the mailbox's unsubscribe key; return ``False`` when none was stored."""
    if not get_key(mailbox):
        return False
    try:
        keyring.delete_password(KEY_SERVICE, key_name(mailbox))
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error
    return True


def needs_key(mailbox: Mailbox) -> bool:
    """Tell whether the mailbox's URL template uses ``{token}``."""
    template = mailbox.unsubscribe_url.strip()
    return bool(template) and "token" in check_url_template(template, where=mailbox.name)


def missing_key_message(mailbox: Mailbox) -> str:
    return _("Mailbox {name}: the unsubscribe URL uses {{token}}, but no unsubscribe key is "
             "stored for {address}. Run `hypermailer unsubscribe key --mailbox \"{name}\"` to "
             "store the key your site checks tokens with.").format(
        name=mailbox.name, address=key_name(mailbox))


def _keyring_error(mailbox: Mailbox, error: KeyringError) -> CredentialError:
    return CredentialError(_("The keyring (password store) failed for the unsubscribe key of "
                             "mailbox {name!r}: {error}. Check that it is running and unlocked, "
                             "then try again.").format(name=mailbox.name, error=error))
