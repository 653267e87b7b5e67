"""SmtpTransport against a real aiosmtpd server on 127.0.0.1: TLS, AUTH, replies and lost connections."""

from __future__ import annotations

import datetime
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from hypermailer.campaign import Mailbox, Security
from hypermailer.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    CredentialError,
    PermanentFailure,
    SenderRejected,
    TemporaryFailure,
    TLSError,
    UncertainDelivery,
)
from hypermailer.transports.smtp import SmtpTransport
from smtpserver import Faults, SmtpTestServer

SENDER = "sender@example.com"
DANA = "dana@example.org"
MESSAGE = b"Subject: test\r\nTo: dana@example.org\r\n\r\nHello.\r\n"

StartServer = Callable[..., SmtpTestServer]


def transport_for(server: SmtpTestServer, *, password: str | None = "server",
                  ssl_context: ssl.SSLContext | None = None, **mailbox: object) -> SmtpTransport:
    """Build a transport for *server*; ``password="server"`` means the right one."""
    if password == "server":
        password = server.password
    return SmtpTransport(server.mailbox(**mailbox), password=password,
                         ssl_context=ssl_context or server.client_context)


def _mailbox(port: int, **overrides: object) -> Mailbox:
    """Return an SMTP mailbox for 127.0.0.1 without a server behind it."""
    values = {"name": "Office", "from_address": SENDER, "kind": "smtp", "host": "127.0.0.1",
              "port": port, "security": Security.NONE, "timeout": 1.0}
    values.update(overrides)
    return Mailbox(**values)


def sample(number: int) -> bytes:
    """Return a short numbered message whose body ends with a lone dot line."""
    return f"Subject: message {number}\r\n\r\nBody {number}.\r\n.\r\n".encode()


def closed_port() -> int:
    """Return a port on 127.0.0.1 that was bound and closed, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- Connection security and login -------------------------------------------

def test_smtp_starttls_with_auth_delivers(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", auth=True)
    with transport_for(server) as transport:
        delivery = transport.send(SENDER, [DANA], MESSAGE)
    assert server.received == [(SENDER, [DANA], MESSAGE)]
    assert server.auth_attempts == [server.username]
    assert delivery.reply.startswith("250 ")


def test_smtp_implicit_tls_with_auth_delivers(smtp_server: StartServer) -> None:
    server = smtp_server(security="ssl", auth=True)
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], MESSAGE)
    assert server.received == [(SENDER, [DANA], MESSAGE)]
    assert server.auth_attempts == [server.username]


def test_smtp_plain_without_auth_delivers(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=False)
    with transport_for(server, password=None) as transport:
        transport.send(SENDER, [DANA], MESSAGE)
    assert server.received == [(SENDER, [DANA], MESSAGE)]
    assert server.auth_attempts == []


def test_smtp_login_mechanism_with_hebrew_password(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", auth_exclude=("PLAIN",))
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], MESSAGE)
    assert any(not character.isascii() for character in server.password)
    assert len(server.received) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_wrong_password_fails(smtp_server: StartServer, security: str) -> None:
    server = smtp_server(security=security)
    transport = transport_for(server, password="wrong password")
    with pytest.raises(AuthenticationError) as caught:
        transport.send(SENDER, [DANA], MESSAGE)
    error = caught.value
    assert error.code == 535
    assert f"127.0.0.1:{server.port}" in str(error)
    assert "hypermailer mailbox login \"Test server\"" in str(error)
    assert "wrong password" not in str(error)
    assert server.received == []


def test_smtp_auth_over_plain_is_rejected(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=True, auth_require_tls=False)
    transport = transport_for(server)
    with pytest.raises(ConfigurationError) as caught:
        transport.open()
    assert "starttls" in str(caught.value)
    assert server.connections == 0
    assert server.auth_attempts == []


def test_smtp_auth_over_plain_when_allowed(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=True, auth_require_tls=False)
    with transport_for(server, allow_plain_auth=True) as transport:
        transport.send(SENDER, [DANA], MESSAGE)
    assert server.auth_attempts == [server.username]
    assert len(server.received) == 1


def test_smtp_username_without_password_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    transport = transport_for(server, password=None)
    with pytest.raises(CredentialError) as caught:
        transport.open()
    assert "hypermailer mailbox login" in str(caught.value)
    assert server.connections == 0


def test_smtp_server_without_auth_offer_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=True, auth_require_tls=True)
    transport = transport_for(server, allow_plain_auth=True)
    with pytest.raises(AuthenticationError) as caught:
        transport.open()
    assert "does not offer login (AUTH)" in str(caught.value)
    assert server.auth_attempts == []


def test_smtp_no_supported_mechanism_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", auth_exclude=("PLAIN", "LOGIN"))
    with pytest.raises(AuthenticationError) as caught:
        transport_for(server).open()
    assert "PLAIN or LOGIN" in str(caught.value)


# -- TLS ----------------------------------------------------------------------

@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_certificate_for_other_host_fails(smtp_server: StartServer, security: str) -> None:
    server = smtp_server(security=security, cert_hosts=("mail.example.org",))
    transport = transport_for(server)
    with pytest.raises(TLSError) as caught:
        transport.open()
    assert "does not match the host name" in str(caught.value)
    assert f"127.0.0.1:{server.port}" in str(caught.value)
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert server.auth_attempts == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_untrusted_certificate_fails(smtp_server: StartServer, security: str) -> None:
    server = smtp_server(security=security)
    transport = transport_for(server, ssl_context=ssl.create_default_context())
    with pytest.raises(TLSError) as caught:
        transport.open()
    assert "not signed by a trusted certificate authority" in str(caught.value)


def test_smtp_expired_certificate_fails(smtp_server: StartServer) -> None:
    yesterday = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    server = smtp_server(security="ssl", cert_not_after=yesterday)
    with pytest.raises(TLSError) as caught:
        transport_for(server).open()
    assert "expired" in str(caught.value)


def test_smtp_ca_file_is_trusted(smtp_server: StartServer, tls_ca: trustme.CA,
                                 tmp_path: Path) -> None:
    server = smtp_server(security="starttls")
    ca_file = tmp_path / "company-ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    transport = SmtpTransport(server.mailbox(ca_file=ca_file), password=server.password)
    with transport:
        transport.send(SENDER, [DANA], MESSAGE)
    assert len(server.received) == 1


def test_smtp_missing_ca_file_fails(smtp_server: StartServer, tmp_path: Path) -> None:
    server = smtp_server(security="starttls")
    transport = SmtpTransport(server.mailbox(ca_file=tmp_path / "missing.pem"),
                              password=server.password)
    with pytest.raises(ConfigurationError) as caught:
        transport.open()
    assert "missing.pem" in str(caught.value)


def test_smtp_starttls_not_offered_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=False)
    transport = transport_for(server, password=None, security=Security.STARTTLS)
    with pytest.raises(TLSError) as caught:
        transport.open()
    assert "does not offer STARTTLS" in str(caught.value)


def test_smtp_starttls_hidden_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(offer_starttls=False))
    with pytest.raises(TLSError):
        transport_for(server).open()
    assert server.auth_attempts == []


def test_smtp_implicit_tls_to_plain_port_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", auth=False)
    transport = transport_for(server, password=None, security=Security.SSL)
    with pytest.raises(TLSError) as caught:
        transport.open()
    assert "TLS negotiation failed" in str(caught.value)


# -- Replies ------------------------------------------------------------------

def test_smtp_one_refused_recipient_is_listed(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={"gone@example.org": "550 5.1.1 No such user"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        delivery = transport.send(SENDER, [DANA, "gone@example.org"], MESSAGE)
    assert delivery.refused == ("gone@example.org",)
    assert server.received == [(SENDER, [DANA], MESSAGE)]


def test_smtp_single_refused_recipient_fails(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={DANA: "550 5.1.1 No such user"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    error = caught.value
    assert error.code == 550
    assert error.reply == "5.1.1 No such user"
    assert f"RCPT TO:<{DANA}>" in str(error)
    assert f"127.0.0.1:{server.port}" in str(error)
    assert server.received == []


def test_smtp_every_recipient_refused_fails(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={DANA: "451 4.3.0 Try later", "gone@example.org": "550 No such user"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, [DANA, "gone@example.org"], MESSAGE)
    assert caught.value.code == 550
    assert DANA in str(caught.value)
    assert "gone@example.org" in str(caught.value)


def test_smtp_every_recipient_deferred_is_temporary(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={DANA: "451 4.3.0 Try later", "cc@example.org": "452 4.2.2 Full"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        with pytest.raises(TemporaryFailure) as caught:
            transport.send(SENDER, [DANA, "cc@example.org"], MESSAGE)
    assert caught.value.code == 451


def test_smtp_recipient_452_is_temporary(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={DANA: "452 4.5.3 Too many recipients"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        with pytest.raises(TemporaryFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert caught.value.code == 452


def test_smtp_data_451_is_temporary(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(data_reply="451 4.3.0 Queue full"))
    with transport_for(server) as transport:
        with pytest.raises(TemporaryFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert caught.value.code == 451
    assert caught.value.reply == "4.3.0 Queue full"
    assert not isinstance(caught.value, UncertainDelivery)


def test_smtp_data_554_is_permanent(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(data_reply="554 5.7.1 Spam"))
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert caught.value.code == 554


def test_smtp_mail_550_rejects_sender(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(mail_replies={1: "550 5.7.1 Sender denied"}))
    with transport_for(server) as transport:
        with pytest.raises(SenderRejected) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert SENDER in str(caught.value)
    assert caught.value.code == 550


def test_smtp_mail_552_is_permanent_for_message(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(mail_replies={1: "552 5.3.4 Too big"}))
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert "MAIL FROM" in str(caught.value)


def test_smtp_connection_survives_refusal(smtp_server: StartServer) -> None:
    faults = Faults(rcpt_replies={"gone@example.org": "550 5.1.1 No such user"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure):
            transport.send(SENDER, ["gone@example.org"], MESSAGE)
        transport.send(SENDER, [DANA], MESSAGE)
    assert server.connections == 1
    assert server.received == [(SENDER, [DANA], MESSAGE)]


# -- Lost connections ---------------------------------------------------------

@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_smtp_drop_after_data_is_uncertain(smtp_server: StartServer, security: str) -> None:
    server = smtp_server(security=security, auth=False, faults=Faults(drop_after_data=True))
    with transport_for(server, password=None) as transport:
        with pytest.raises(UncertainDelivery) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert "may have been delivered" in str(caught.value)
    assert len(server.received) == 1
    assert server.messages_started == 1


def test_smtp_silence_after_data_is_uncertain(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(stall_after_data=True))
    started = time.monotonic()
    with transport_for(server, timeout=0.3) as transport:
        with pytest.raises(UncertainDelivery):
            transport.send(SENDER, [DANA], MESSAGE)
    assert time.monotonic() - started < 2


def test_smtp_drop_after_data_discards_connection(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(drop_after_data=True))
    transport = transport_for(server)
    with pytest.raises(UncertainDelivery):
        transport.send(SENDER, [DANA], MESSAGE)
    server.faults.drop_after_data = False
    transport.send(SENDER, [DANA], MESSAGE)
    transport.close()
    assert server.connections == 2
    assert len(server.received) == 2


def test_smtp_drop_before_data_is_temporary(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(drop_before_data=True))
    with transport_for(server) as transport:
        with pytest.raises(TemporaryFailure) as caught:
            transport.send(SENDER, [DANA], MESSAGE)
    assert not isinstance(caught.value, UncertainDelivery)
    assert "DATA" in str(caught.value)
    assert server.received == []


def test_smtp_drop_before_data_retried_once(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(drop_before_data=True))
    with transport_for(server) as transport:
        with pytest.raises(TemporaryFailure):
            transport.send(SENDER, [DANA], MESSAGE)
        with pytest.raises(TemporaryFailure):
            transport.send(SENDER, [DANA], MESSAGE)
    assert server.messages_started == 3
    assert server.connections == 3


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_smtp_idle_close_reconnects(smtp_server: StartServer, security: str) -> None:
    server = smtp_server(security=security, auth=False, idle_timeout=0.2)
    with transport_for(server, password=None) as transport:
        transport.send(SENDER, [DANA], sample(1))
        time.sleep(0.5)
        transport.send(SENDER, [DANA], sample(2))
    assert [data for _sender, _rcpt, data in server.received] == [sample(1), sample(2)]
    assert server.connections == 2


def test_smtp_421_on_reused_connection_reconnects(smtp_server: StartServer) -> None:
    faults = Faults(mail_replies={2: "421 4.4.2 Idle for too long, closing"})
    server = smtp_server(security="starttls", faults=faults)
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], sample(1))
        transport.send(SENDER, [DANA], sample(2))
        transport.send(SENDER, [DANA], sample(3))
    assert [data for _sender, _rcpt, data in server.received] == [sample(1), sample(2), sample(3)]
    assert server.connections == 2


def test_smtp_421_on_new_connection_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(mail_replies={1: "421 4.3.2 Shutting down"}))
    transport = transport_for(server)
    with pytest.raises(TemporaryFailure) as caught:
        transport.send(SENDER, [DANA], MESSAGE)
    assert caught.value.code == 421
    assert server.messages_started == 1


def test_smtp_refused_connection_fails() -> None:
    port = closed_port()
    transport = SmtpTransport(_mailbox(port), password=None)
    with pytest.raises(ConnectError) as caught:
        transport.open()
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "refused" in str(caught.value)
    assert caught.value.host == "127.0.0.1"
    assert caught.value.port == port
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


def test_smtp_close_after_server_stopped(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    transport = transport_for(server)
    transport.open()
    server.stop()
    transport.close()
    assert server.received == []


# -- One connection, many messages --------------------------------------------

def test_smtp_many_messages_one_connection(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    with transport_for(server) as transport:
        for number in range(10):
            transport.send(SENDER, [f"r{number}@example.org"], sample(number))
    assert server.connections == 1
    assert len(server.received) == 10
    assert server.auth_attempts == [server.username]


def test_smtp_large_message_delivers(smtp_server: StartServer) -> None:
    line = b"." + b"=D7=A9" * 12 + b"\r\n"
    message = b"Subject: large\r\n\r\n" + line * 40_000
    server = smtp_server(security="starttls")
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], message)
    assert len(message) > 2_000_000
    assert server.received[0][2] == message


def test_smtp_open_is_noop_when_connected(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    transport = transport_for(server)
    transport.open()
    transport.open()
    transport.close()
    assert server.connections == 1


# -- Addresses ----------------------------------------------------------------

def test_smtp_address_with_line_break_is_rejected(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    injected = "dana@example.org>\r\nRCPT TO:<thief@example.net"
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, [injected], MESSAGE)
        transport.send(SENDER, [DANA], MESSAGE)
    assert "line break" in str(caught.value)
    assert server.received == [(SENDER, [DANA], MESSAGE)]


def test_smtp_unicode_address_with_smtputf8(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    recipient = "דנה@דוגמה.ישראל"
    with transport_for(server) as transport:
        transport.send(SENDER, [recipient], MESSAGE)
    assert server.received == [(SENDER, [recipient], MESSAGE)]


def test_smtp_unicode_domain_without_smtputf8(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(offer_smtputf8=False))
    with transport_for(server) as transport:
        delivery = transport.send(SENDER, ["dana@דוגמה.ישראל"], MESSAGE)
    assert server.received[0][1] == ["dana@xn--6dbbec0c.xn--4dbrk0ce"]
    assert delivery.refused == ()


def test_smtp_unicode_local_part_without_smtputf8(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(offer_smtputf8=False))
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, ["דנה@example.org"], MESSAGE)
    assert "SMTPUTF8" in str(caught.value)
    assert server.messages_started == 0


def test_smtp_server_without_8bitmime_delivers(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls", faults=Faults(offer_8bitmime=False))
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], sample(1))
    assert server.received[0][2] == sample(1)


# -- verify and settings ------------------------------------------------------

def test_smtp_verify_lists_steps(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    steps = transport_for(server).verify()
    assert steps[0] == f"Connected to 127.0.0.1:{server.port} (smtp.test)."
    assert steps[1].startswith("TLS is active (TLSv1.")
    assert steps[2] == f"Logged in as {server.username!r}."
    assert len(steps) == 4
    assert server.received == []
    assert server.messages_started == 0


def test_smtp_verify_wrong_password_fails(smtp_server: StartServer) -> None:
    server = smtp_server(security="ssl")
    with pytest.raises(AuthenticationError):
        transport_for(server, password="wrong").verify()


def test_smtp_verify_keeps_send_connection(smtp_server: StartServer) -> None:
    server = smtp_server(security="starttls")
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], MESSAGE)
        transport.verify()
        transport.send(SENDER, [DANA], MESSAGE)
    assert server.connections == 2


@pytest.mark.parametrize(("security", "port"), [(Security.SSL, 465), (Security.STARTTLS, 587),
                                                (Security.NONE, 25)])
def test_smtp_default_port_follows_security(security: Security, port: int) -> None:
    transport = SmtpTransport(_mailbox(0, security=security), password=None)
    assert transport.port == port


def test_smtp_missing_host_fails() -> None:
    transport = SmtpTransport(_mailbox(587, host=" "), password=None)
    with pytest.raises(ConfigurationError) as caught:
        transport.open()
    assert "no SMTP host" in str(caught.value)


def test_smtp_repr_hides_password() -> None:
    transport = SmtpTransport(_mailbox(587, username="u"), password="s3cr3t-סיסמה")
    assert "s3cr3t" not in repr(transport)


# -- The moment the data goes ------------------------------------------------

def test_smtp_on_data_called_once_before_data(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=False)
    seen: list[int] = []
    with transport_for(server) as transport:
        transport.send(SENDER, [DANA], MESSAGE, on_data=lambda: seen.append(len(server.received)))
    assert seen == [0]
    assert len(server.received) == 1


def test_smtp_on_data_not_called_when_rcpt_refused(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={DANA: "550 5.1.1 no such user"}))
    seen: list[str] = []
    with transport_for(server) as transport:
        with pytest.raises(PermanentFailure):
            transport.send(SENDER, [DANA], MESSAGE, on_data=lambda: seen.append("data"))
    assert seen == []


def test_smtp_on_data_failure_sends_nothing(smtp_server: StartServer) -> None:
    server = smtp_server(security="none", auth=False)

    def fail() -> None:
        raise OSError("journal disk full")

    with transport_for(server) as transport:
        with pytest.raises(OSError):
            transport.send(SENDER, [DANA], MESSAGE, on_data=fail)
    assert server.received == []
