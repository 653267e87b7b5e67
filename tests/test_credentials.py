"""Passwords in a real keyring backend: a plain-text file keyring under tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked
from keyrings.alt.file import PlaintextKeyring

from hypermailer.campaign import Mailbox
from hypermailer.credentials import (
    SERVICE,
    credential_key,
    delete_password,
    get_password,
    login_command,
    require_password,
    set_password,
)
from hypermailer.errors import ConfigurationError, CredentialError


def office(name: str = "Office", username: str = "dana@example.co.il",
           host: str = "smtp.example.co.il") -> Mailbox:
    """Return an SMTP mailbox; nothing connects to its host."""
    return Mailbox(name=name, from_address="dana@example.co.il", kind="smtp", host=host,
                   port=587, username=username)


class LockedKeyring(KeyringBackend):
    """A backend that behaves like a locked Secret Service collection."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture
def install_keyring() -> Iterator[Callable[[KeyringBackend], None]]:
    """Return a function that installs a keyring backend until the test ends."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_credential_key_is_user_at_host() -> None:
    assert credential_key(office()) == "dana@example.co.il@smtp.example.co.il"


def test_credential_key_ignores_host_case() -> None:
    assert credential_key(office(host=" SMTP.Example.CO.IL ")) == credential_key(office())


def test_credential_key_without_username_fails() -> None:
    with pytest.raises(ConfigurationError) as caught:
        credential_key(office(username=""))
    assert "'Office'" in str(caught.value)


def test_credentials_round_trip(file_keyring: PlaintextKeyring) -> None:
    set_password(office(), "סיסמה-סודית 123")
    assert get_password(office()) == "סיסמה-סודית 123"


def test_credentials_stored_under_service(file_keyring: PlaintextKeyring) -> None:
    set_password(office(), "secret")
    assert file_keyring.get_password(SERVICE, credential_key(office())) == "secret"


def test_credentials_file_is_in_tmp_path(file_keyring: PlaintextKeyring, tmp_path: Path) -> None:
    set_password(office(), "secret")
    assert Path(file_keyring.file_path).parent == tmp_path
    assert Path(file_keyring.file_path).exists()


def test_credentials_shared_by_two_mailboxes(file_keyring: PlaintextKeyring) -> None:
    set_password(office("Office"), "secret")
    assert get_password(office("Office – sales")) == "secret"


def test_credentials_replace_password(file_keyring: PlaintextKeyring) -> None:
    set_password(office(), "old")
    set_password(office(), "new")
    assert get_password(office()) == "new"


def test_get_password_missing_is_none(file_keyring: PlaintextKeyring) -> None:
    assert get_password(office()) is None


def test_get_password_without_username_is_none(file_keyring: PlaintextKeyring) -> None:
    assert get_password(office(username="")) is None


def test_set_password_empty_fails(file_keyring: PlaintextKeyring) -> None:
    with pytest.raises(CredentialError):
        set_password(office(), "")
    assert get_password(office()) is None


def test_delete_password_removes_it(file_keyring: PlaintextKeyring) -> None:
    set_password(office(), "secret")
    assert delete_password(office()) is True
    assert get_password(office()) is None


def test_delete_password_missing_is_false(file_keyring: PlaintextKeyring) -> None:
    assert delete_password(office()) is False


def test_require_password_returns_it(file_keyring: PlaintextKeyring) -> None:
    set_password(office(), "secret")
    assert require_password(office()) == "secret"


def test_require_password_missing_says_how(file_keyring: PlaintextKeyring) -> None:
    with pytest.raises(CredentialError) as caught:
        require_password(office("תיבת המשרד"))
    assert 'hypermailer mailbox login "תיבת המשרד"' in str(caught.value)
    assert "dana@example.co.il@smtp.example.co.il" in str(caught.value)


def test_login_command_plain_name() -> None:
    assert login_command(office("Office")) == "hypermailer mailbox login Office"


def test_login_command_quotes_spaces() -> None:
    assert login_command(office("Office 365")) == 'hypermailer mailbox login "Office 365"'


def test_credentials_without_keyring_fail(install_keyring: Callable) -> None:
    install_keyring(fail.Keyring())
    with pytest.raises(CredentialError) as caught:
        get_password(office())
    assert "no keyring" in str(caught.value)
    assert "'Office'" in str(caught.value)


def test_credentials_locked_keyring_fails(install_keyring: Callable) -> None:
    install_keyring(LockedKeyring())
    with pytest.raises(CredentialError) as caught:
        set_password(office(), "secret")
    assert "locked" in str(caught.value)
    assert "secret" not in str(caught.value)
