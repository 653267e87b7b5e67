"""A real SMTP server on 127.0.0.1 for tests: aiosmtpd 1.4.6 with TLS, AUTH and scripted faults.

The server runs in a thread (aiosmtpd's ``Controller``) on a port the
operating system picks. Everything it accepts lands in ``received``; the
faults in :class:`Faults` make it misbehave the way real servers do.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from hypermailer.campaign import Mailbox, Security

HOST = "127.0.0.1"
USERNAME = "sender@example.com"
# Non-ASCII on purpose: AUTH must send the password as UTF-8.
PASSWORD = "Pass-שלום-1234"
SECURITY_MODES = ("none", "starttls", "ssl")


@dataclass
class Faults:
    """Scripted misbehaviour for one server.

    Messages are numbered from 1 in the order their MAIL command arrives,
    over all connections. A scripted reply starting with ``421`` closes the
    connection after it is sent, as a server that shuts down does.
    """

    rcpt_replies: dict[str, str] = field(default_factory=dict)  # recipient -> reply to its RCPT
    mail_replies: dict[int, str] = field(default_factory=dict)  # message number -> reply to MAIL
    data_reply: str | None = None      # reply after the data of every message
    data_replies: dict[str, str] = field(default_factory=dict)  # first recipient -> reply after data
    drop_before_data: bool = False     # close the connection when DATA arrives
    drop_after_data: bool = False      # store the message, then close without a reply
    drop_after_data_for: frozenset[int] = frozenset()  # the same, only for these message numbers
    stall_after_data: bool = False     # store the message, then never reply
    offer_starttls: bool = True        # list STARTTLS in the EHLO reply (starttls mode)
    offer_8bitmime: bool = True
    offer_smtputf8: bool = True
    auth_reply: str | None = None      # reply to every AUTH instead of checking the password


async def _wait_until_cancelled() -> None:
    """Hold a handler until aiosmtpd cancels it, which it does when the connection is lost."""
    await asyncio.Event().wait()


async def _reply_and_maybe_close(server: SMTP, reply: str) -> str | None:
    """Return *reply* for aiosmtpd to send, or send a 421 reply here and close."""
    if not reply.startswith("421"):
        return reply
    await server.push(reply)
    server.transport.close()
    await _wait_until_cancelled()
    return None


class _Handler:
    """aiosmtpd handler hooks that record messages and apply the faults."""

    def __init__(self, owner: SmtpTestServer) -> None:
        self.owner = owner

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        # With this hook in place aiosmtpd leaves recording the client's name to it.
        session.host_name = hostname
        faults = self.owner.faults
        hidden = set()
        if not faults.offer_starttls:
            hidden.add("STARTTLS")
        if not faults.offer_8bitmime:
            hidden.add("8BITMIME")
        return [line for line in responses if line[4:].split(" ")[0] not in hidden]

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str | None:
        self.owner.messages_started += 1
        scripted = self.owner.faults.mail_replies.get(self.owner.messages_started)
        if scripted is not None:
            return await _reply_and_maybe_close(server, scripted)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str | None:
        scripted = self.owner.faults.rcpt_replies.get(address)
        if scripted is not None:
            return await _reply_and_maybe_close(server, scripted)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str | None:
        faults = self.owner.faults
        if faults.data_reply is not None:
            return await _reply_and_maybe_close(server, faults.data_reply)
        scripted = faults.data_replies.get(envelope.rcpt_tos[0]) if envelope.rcpt_tos else None
        if scripted is not None:
            return await _reply_and_maybe_close(server, scripted)

        self.owner.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        if faults.drop_after_data or self.owner.messages_started in faults.drop_after_data_for:
            server.transport.close()
            await _wait_until_cancelled()
        if faults.stall_after_data:
            await _wait_until_cancelled()
        return f"250 2.0.0 Ok: queued as {len(self.owner.received)}"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode("utf-8", errors="replace")
        self.owner.auth_attempts.append(login)
        if self.owner.faults.auth_reply:
            return AuthResult(success=False, handled=False, message=self.owner.faults.auth_reply)
        valid = (login == self.owner.username
                 and auth_data.password == self.owner.password.encode("utf-8"))
        return AuthResult(success=valid, auth_data=auth_data if valid else None, handled=False)


class _FaultySMTP(SMTP):
    """aiosmtpd's SMTP session, able to drop the connection when DATA arrives."""

    def __init__(self, handler: Any, *, faults: Faults, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.faults = faults

    async def smtp_DATA(self, arg: str) -> None:
        if self.faults.drop_before_data and self.envelope and self.envelope.rcpt_tos:
            self.transport.close()
            await _wait_until_cancelled()
        await super().smtp_DATA(arg)


class _Controller(Controller):
    """A Controller that counts connections and listens on a port chosen by the system."""

    def __init__(self, owner: SmtpTestServer, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, hostname=HOST, port=0, **kwargs)
        self.owner = owner

    def factory(self) -> SMTP:
        self.owner.connections += 1
        return _FaultySMTP(self.handler, faults=self.owner.faults, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # aiosmtpd connects to self.port to finish starting; port 0 must become the bound one.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpTestServer:
    """An aiosmtpd server on 127.0.0.1 in one of the modes ``none``, ``starttls``, ``ssl``.

    ``received`` contains ``(mail_from, rcpt_tos, data_bytes)`` for each accepted
    message, ``connections`` counts client connections, ``auth_attempts``
    lists the user names that tried to log in. ``client_context`` trusts the
    test CA, which issues the server a certificate for ``cert_hosts``, valid
    until ``cert_not_after`` when given. With ``auth`` the server accepts
    :data:`USERNAME` and :data:`PASSWORD` only. ``auth_require_tls`` defaults to offering AUTH
    only on an encrypted connection. ``idle_timeout`` is the number of
    seconds after which the server closes a silent connection.
    """

    def __init__(self, ca: trustme.CA, *, security: str = "starttls", auth: bool = True,
                 faults: Faults | None = None, cert_hosts: tuple[str, ...] = (HOST, "localhost"),
                 cert_not_after: datetime.datetime | None = None,
                 auth_require_tls: bool | None = None, auth_exclude: tuple[str, ...] = (),
                 idle_timeout: float = 300.0) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {security!r}")
        self.security = security
        self.auth = auth
        self.faults = faults or Faults()
        self.username = USERNAME
        self.password = PASSWORD
        self.host = HOST
        self.port = 0
        self.received: list[tuple[str, list[str], bytes]] = []
        self.connections = 0
        self.messages_started = 0
        self.auth_attempts: list[str] = []

        self.client_context = ssl.create_default_context()
        ca.configure_trust(self.client_context)
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        validity = {}
        if cert_not_after is not None:
            validity = {"not_before": cert_not_after - datetime.timedelta(days=30),
                        "not_after": cert_not_after}
        ca.issue_cert(*cert_hosts, **validity).configure_cert(server_context)

        handler = _Handler(self)
        options: dict[str, Any] = {
            "server_hostname": "smtp.test",
            "timeout": idle_timeout,
            "enable_SMTPUTF8": self.faults.offer_smtputf8,
            "auth_exclude_mechanism": list(auth_exclude),
        }
        if auth:
            options["authenticator"] = handler.authenticate
        if security == "ssl":
            options["ssl_context"] = server_context
            # aiosmtpd counts only STARTTLS as encryption, so implicit TLS must allow AUTH itself.
            options["auth_require_tls"] = False if auth_require_tls is None else auth_require_tls
        else:
            options["auth_require_tls"] = True if auth_require_tls is None else auth_require_tls
        if security == "starttls":
            options["tls_context"] = server_context
            options["require_starttls"] = self.faults.offer_starttls
        self._controller = _Controller(self, handler, **options)
        self._running = False

    def start(self) -> SmtpTestServer:
        """Start listening; a server runs once, so it cannot start again after :meth:`stop`."""
        self._controller.start()
        self._running = True
        self.port = self._controller.port
        # aiosmtpd's own start-up check opened one connection; count only the client's.
        self.connections = 0
        return self

    def stop(self) -> None:
        """Stop the server and close its connections; calling it again does nothing."""
        if self._running:
            self._controller.stop()
            self._running = False

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def mailbox(self, **overrides: Any) -> Mailbox:
        """Return a Mailbox for this server, logging in when it has AUTH, with a 2 s timeout."""
        values: dict[str, Any] = {
            "name": "Test server",
            "from_address": USERNAME,
            "kind": "smtp",
            "host": self.host,
            "port": self.port,
            "security": Security(self.security),
            "username": USERNAME if self.auth else "",
            "timeout": 2.0,
        }
        values.update(overrides)
        return Mailbox(**values)
