"""Mailbox passwords in the operating system's keyring, and nowhere else.

Windows Credential Manager, the macOS Keychain or a Secret Service keyring on
Linux, through the ``keyring`` package. This module never writes a password
to a file, a workbook cell or a log. Where the keyring stores it is up to the
keyring backend.
"""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError, KeyringLocked, NoKeyringError

from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError, CredentialError
from hypermailer.i18n import _

SERVICE = "HyperMailer"


def credential_key(mailbox: Mailbox) -> str:
    """Return the keyring user name for *mailbox*: ``user@host``.

    Two mailboxes with the same user on the same server (for example two
    sender names on one account) share one stored password.
    """
    username = mailbox.username.strip()
    if not username:
        raise ConfigurationError(
            _("Mailbox {name!r} has no user name, so it has no password to store. "
              "Fill in its user name in the Mailboxes table.")
            .format(name=mailbox.name))
    return f"{username}@{mailbox.host.strip().lower()}"


def mailboxes_sharing_password(mailbox: Mailbox, mailboxes) -> list[str]:
    """Return the names of the other mailboxes among *mailboxes* that use *mailbox*'s password."""
    key = credential_key(mailbox)
    return [other.name for other in mailboxes
            if other.name != mailbox.name and other.kind == "smtp" and other.username.strip()
            and credential_key(other) == key]


def login_command(mailbox: Mailbox) -> str:
    """Return the command line that stores the password of *mailbox*."""
    name = mailbox.name
    if not name or any(character.isspace() or character in "\"'&|;<>" for character in name):
        name = '"' + name.replace('"', '\\"') + '"'
    return f"hypermailer mailbox login {name}"


def get_password(mailbox: Mailbox) -> str | None:
    """Return the stored password, or ``None`` when none is stored or no login is needed."""
    if not mailbox.username.strip():
        return None
    try:
        return keyring.get_password(SERVICE, credential_key(mailbox))
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error


def set_password(mailbox: Mailbox, password: str) -> None:
    """Store *password* for *mailbox*, replacing any stored one."""
    if not password:
        raise CredentialError(
            _("The password for mailbox {name!r} is empty; nothing was stored.")
            .format(name=mailbox.name))
    key = credential_key(mailbox)
    try:
        keyring.set_password(SERVICE, key, password)
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error


def delete_password(mailbox: Mailbox) -> bool:
    """Delete the stored password; return ``False`` when none was stored."""
    if get_password(mailbox) is None:
        return False
    try:
        keyring.delete_password(SERVICE, credential_key(mailbox))
    except KeyringError as error:
        raise _keyring_error(mailbox, error) from error
    return True


def require_password(mailbox: Mailbox) -> str:
    """Return the stored password, or raise :class:`CredentialError` saying how to store one."""
    password = get_password(mailbox)
    if password is None:
        raise CredentialError(
            _("No password is stored for mailbox {name!r} ({key}). Run `{command}` to store it.")
            .format(name=mailbox.name, key=credential_key(mailbox), command=login_command(mailbox)))
    return password


def _keyring_error(mailbox: Mailbox, error: KeyringError) -> CredentialError:
    if isinstance(error, NoKeyringError):
        text = _("The password of mailbox {name!r} cannot be used because this computer has no "
                 "keyring (password store). On Linux, install and start a Secret Service keyring "
                 "such as GNOME Keyring or KWallet; Windows and macOS have one built in.")
    elif isinstance(error, KeyringLocked):
        text = _("The keyring (password store) is locked, so the password of mailbox {name!r} "
                 "cannot be used. Unlock it and try again.")
    else:
        text = _("The keyring (password store) failed for mailbox {name!r}: {error}. "
                 "Check that it is running and unlocked, then try again.")
    return CredentialError(text.format(name=mailbox.name, error=error))


#: The keyring backend that stores secrets in a readable file rather than an OS vault.
PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"


def plaintext_backend() -> str:
    """Return the active keyring backend's name when it keeps secrets in a plain file, else ""."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    return name if name == PLAINTEXT_BACKEND else ""
