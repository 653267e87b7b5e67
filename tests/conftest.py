"""Shared pytest fixtures: message language, a test CA, local SMTP servers and a file keyring."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
import trustme
from keyrings.alt.file import PlaintextKeyring

from hypermailer import i18n
from smtpserver import SmtpTestServer


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch) -> None:
    """Keep journals, quotas and the campaign registry of every test out of the user's folders.

    A test that needs a known folder sets ``HYPERMAILER_HOME`` itself.
    """
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Run each test with English messages (the msgids), restoring the language afterwards.

    A test that checks another language calls ``i18n.set_language`` itself.
    """
    previous = i18n.get_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    """A certificate authority made for this test session; trust it with ``configure_trust``."""
    return trustme.CA()


@pytest.fixture
def smtp_server(tls_ca: trustme.CA) -> Iterator[Callable[..., SmtpTestServer]]:
    """Return a factory that starts an SMTP server on 127.0.0.1; all stop after the test.

    ``smtp_server(security="starttls", auth=True, faults=Faults(...))`` takes
    the keyword arguments of :class:`smtpserver.SmtpTestServer`.
    """
    servers: list[SmtpTestServer] = []

    def start(**options: object) -> SmtpTestServer:
        server = SmtpTestServer(tls_ca, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """Install a real plain-text file keyring in ``tmp_path`` for one test, then restore the previous one."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
