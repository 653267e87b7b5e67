"""SMTP delivery: one verified, reused connection and a classified outcome per message.

A message goes out in explicit steps (MAIL, RCPT for each recipient, DATA,
the data, the final reply), so each failure shows whether the server may
already have the message. A connection lost after the final ``.`` and before
the reply raises :class:`UncertainDelivery`, never a retryable error.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence

from hypermailer.campaign import Mailbox, Security
from hypermailer.credentials import login_command
from hypermailer.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    CredentialError,
    LoginUnavailable,
    SenderRejected,
    PermanentFailure,
    TemporaryFailure,
    TLSError,
    UncertainDelivery,
)
from hypermailer.i18n import _
from hypermailer.transports.base import Caution, Delivery, Transport

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}

# OpenSSL certificate verification codes (X509_V_ERR_*) that get their own advice.
_CERT_EXPIRED = 10
_CERT_UNTRUSTED = frozenset({18, 19, 20, 21})
_CERT_NAME_MISMATCH = frozenset({62, 64})  # host name, IP address

# A line that starts with "." must be sent as ".." (RFC 5321, section 4.5.2).
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)

# The message data is written in pieces of this many bytes. Python applies a
# socket's timeout to a whole sendall() call, so one call for a 20 MB message
# on a slow uplink would time out although the data keeps flowing.
_DATA_CHUNK_BYTES = 64 * 1024

# Characters that would let an address add SMTP parameters or commands.
_UNSAFE_ADDRESS = re.compile(r"[<>\x00-\x1f\x7f]")


class _DroppedBeforeData(TemporaryFailure):
    """The connection was lost, or the server sent 421, before the message data was sent.

    Resending on a new connection is safe because the server cannot hold the
    message. :meth:`SmtpTransport.send` does that once for a reused connection.
    """


class SmtpTransport(Transport):
    """Delivers messages through one SMTP connection, reused for many ``send`` calls.

    ``password`` is required when the mailbox has a user name. ``ssl_context``
    replaces the default context, which verifies the certificate and the host
    name against the system's certificate authorities or ``mailbox.ca_file``.
    """

    def __init__(self, mailbox: Mailbox, *, password: str | None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.mailbox = mailbox
        try:
            self.security = Security(mailbox.security)
        except ValueError as error:
            raise ConfigurationError(
                _("Mailbox {name!r}: the security {security!r} is invalid. Use ssl, starttls or none.")
                .format(name=mailbox.name, security=mailbox.security)) from error
        self.host = mailbox.host.strip()
        self.port = mailbox.port or DEFAULT_PORTS[self.security]
        self._password = password
        self._ssl_context = ssl_context
        self._connection: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpTransport({self.mailbox.name!r}, {self.host}:{self.port}, {self.security.value})"

    # -- Transport interface ---------------------------------------------

    def open(self) -> None:
        """Connect, secure the connection and log in; do nothing if already connected.

        Raises :class:`ConfigurationError` or :class:`CredentialError` before
        connecting, :class:`ConnectError`, :class:`TLSError`,
        :class:`AuthenticationError`, or :class:`TemporaryFailure` when the
        server reports a temporary problem during login.
        """
        if self._connection is None:
            self._connection = self._connect([])

    def close(self) -> None:
        """Send QUIT and close the connection, ignoring SMTP and socket errors on the way."""
        connection, self._connection = self._connection, None
        if connection is not None:
            _quit_quietly(connection)

    def send(self, sender: str, recipients: Sequence[str], message: bytes, *,
             on_data: Callable[[], None] | None = None) -> Delivery:
        """Send *message* unchanged to *recipients*, opening the connection if needed.

        Returns a :class:`Delivery` whose ``refused`` lists the recipients the
        server refused while it accepted the others. Raises
        :class:`PermanentFailure` (5xx, or every recipient refused with a 5xx),
        :class:`TemporaryFailure` (4xx, or the connection lost before the
        data was sent) and :class:`UncertainDelivery` (the connection lost
        after the data was sent, before the server replied). If a reused
        connection turns out to be closed before the data went, the message
        is sent once more on a new connection. *on_data* is called right after
        the server accepted DATA and before the message data goes.
        """
        if not recipients:
            raise ValueError("send() needs at least one envelope recipient")
        reused = self._connection is not None
        self.open()
        try:
            return self._send_once(sender, recipients, message, on_data)
        except _DroppedBeforeData as error:
            if not reused:
                raise
            logger.info("%s:%s: the reused connection was closed (%s); reconnecting once",
                        self.host, self.port, error.reply or error.__cause__)

        self.open()
        return self._send_once(sender, recipients, message, on_data)

    def verify(self) -> list[str]:
        """Connect, secure the connection and log in, then QUIT without sending.

        Returns one translated line per step that succeeded. Raises the same
        errors as :meth:`open` at the step that fails. The connection used by
        :meth:`send` is not touched.
        """
        steps: list[str] = []
        connection = self._connect(steps)
        _quit_quietly(connection)
        steps.append(_("Logged out without sending a message."))
        return steps

    # -- Connecting ------------------------------------------------------

    def _connect(self, steps: list[str]) -> smtplib.SMTP:
        """Open a ready connection, appending a description of each step to *steps*."""
        self._check_settings()
        connection = self._dial()
        try:
            self._greet(connection)
            server_name = (connection.ehlo_resp or connection.helo_resp or b"").split(b"\n")[0]
            steps.append(_("Connected to {host}:{port} ({server}).").format(
                host=self.host, port=self.port, server=_reply_text(server_name)))

            if self.security is Security.STARTTLS:
                self._starttls(connection)
            if self.security is Security.NONE:
                steps.append(Caution(_("The connection is not encrypted: use it only on a "
                                       "trusted network.")))
            else:
                steps.append(_("TLS is active ({version}); the certificate of {host} is valid.").format(
                    version=connection.sock.version(), host=self.host))

            if self.mailbox.username:
                self._login(connection)
                steps.append(_("Logged in as {username!r}.").format(username=self.mailbox.username))
            else:
                steps.append(_("No user name is set, so no login was attempted."))
        except BaseException:
            connection.close()
            raise
        return connection

    def _check_settings(self) -> None:
        """Raise before any connection when the settings cannot work or would leak the password."""
        name = self.mailbox.name
        if not self.host:
            raise ConfigurationError(
                _("Mailbox {name!r} has no SMTP host. Fill in its host in the Mailboxes table.")
                .format(name=name))
        if not 0 < self.port < 65536:
            raise ConfigurationError(
                _("Mailbox {name!r}: the port {port} is invalid. Use 465 for ssl, 587 for starttls or 25.")
                .format(name=name, port=self.port))
        if not self.mailbox.username:
            return
        if self._password is None:
            raise CredentialError(
                _("No password is available for mailbox {name!r} (user {username!r}). "
                  "Run `{command}` to store it.")
                .format(name=name, username=self.mailbox.username, command=login_command(self.mailbox)))
        if self.security is Security.NONE and not self.mailbox.allow_plain_auth:
            raise ConfigurationError(
                _("Mailbox {name!r}: the password would travel to {host}:{port} without encryption, "
                  "so HyperMailer did not connect. Set the security to ssl (port 465) or starttls "
                  "(port 587). Only for a server on a trusted network, set allow_plain_auth "
                  "(the \"Allow unencrypted password\" column) to true instead.")
                .format(name=name, host=self.host, port=self.port))

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            ca_file = self.mailbox.ca_file
            try:
                self._ssl_context = ssl.create_default_context(
                    cafile=str(ca_file) if ca_file else None)
            except (OSError, ssl.SSLError) as error:
                raise ConfigurationError(
                    _("Mailbox {name!r}: the CA file {path} cannot be read ({error}). "
                      "Fix the path or clear it to use the system's certificate authorities.")
                    .format(name=self.mailbox.name, path=ca_file, error=error)) from error
        return self._ssl_context

    def _dial(self) -> smtplib.SMTP:
        """Open the TCP connection (and implicit TLS) and read the greeting."""
        timeout = self.mailbox.timeout
        try:
            if self.security is Security.SSL:
                return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout,
                                        context=self._tls_context())
            return smtplib.SMTP(self.host, self.port, timeout=timeout)
        except ssl.SSLError as error:
            raise self._tls_error(error) from error
        except smtplib.SMTPConnectError as error:
            code, reply = error.smtp_code, _reply_text(error.smtp_error)
            raise ConnectError(
                _("{host}:{port}: the server refused the connection with {code} {reply!r}. "
                  "Try again later; if it persists, ask the mail provider.")
                .format(host=self.host, port=self.port, code=code, reply=reply),
                **self._where(), code=code, reply=reply) from error
        except (smtplib.SMTPException, OSError) as error:
            raise self._connect_error(error) from error

    def _connect_error(self, error: BaseException) -> ConnectError:
        where = {"host": self.host, "port": self.port}
        if isinstance(error, socket.gaierror):
            text = _("{host}:{port}: the host name could not be resolved ({error}). "
                     "Check the host of the mailbox and the network connection.")
        elif isinstance(error, TimeoutError) and self.port == 465 and self.security is not Security.SSL:
            text = _("{host}:{port}: the server did not answer within {timeout} seconds. "
                     "Port 465 expects implicit TLS: set the mailbox security to ssl.")
        elif isinstance(error, TimeoutError) and self.port == 25:
            text = _("{host}:{port}: the connection timed out after {timeout} seconds. "
                     "Port 25 may be blocked by the network; try port 587 with starttls.")
        elif isinstance(error, TimeoutError):
            text = _("{host}:{port}: the connection timed out after {timeout} seconds. "
                     "Check the host and port of the mailbox; a firewall may block the port.")
        elif isinstance(error, ConnectionRefusedError) and self.port == 25:
            text = _("{host}:{port}: the connection was refused. Port 25 may be blocked by "
                     "the network; check the host and port, or try port 587 with starttls.")
        elif isinstance(error, ConnectionRefusedError):
            text = _("{host}:{port}: the connection was refused. Check the host and port of the mailbox.")
        else:
            text = _("{host}:{port}: the connection failed ({error}). "
                     "Check the host and port of the mailbox and the network connection.")
        message = text.format(error=error, timeout=self.mailbox.timeout, **where)
        return ConnectError(message, **where)

    def _greet(self, connection: smtplib.SMTP) -> None:
        try:
            connection.ehlo_or_helo_if_needed()
        except smtplib.SMTPResponseException as error:
            code, reply = error.smtp_code, _reply_text(error.smtp_error)
            raise ConnectError(
                _("{host}:{port}: the server rejected the greeting (EHLO) with {code} {reply!r}. "
                  "Try again later; if it persists, ask the mail provider.")
                .format(host=self.host, port=self.port, code=code, reply=reply),
                **self._where(), code=code, reply=reply) from error
        except (smtplib.SMTPException, OSError) as error:
            raise self._connect_error(error) from error

    def _starttls(self, connection: smtplib.SMTP) -> None:
        if not connection.has_extn("starttls"):
            raise TLSError(
                _("{host}:{port}: the server does not offer STARTTLS, so the connection cannot be "
                  "encrypted and nothing was sent. Set the mailbox security to ssl (usually port 465) "
                  "or use the port the provider documents for STARTTLS.")
                .format(host=self.host, port=self.port), **self._where())
        try:
            connection.starttls(context=self._tls_context())
            code, reply = connection.ehlo()
        except ssl.SSLError as error:
            raise self._tls_error(error) from error
        except smtplib.SMTPResponseException as error:
            code, reply = error.smtp_code, _reply_text(error.smtp_error)
            raise TLSError(
                _("{host}:{port}: the server refused STARTTLS with {code} {reply!r}. "
                  "Try again later or set the mailbox security to ssl (usually port 465).")
                .format(host=self.host, port=self.port, code=code, reply=reply),
                **self._where(), code=code, reply=reply) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TLSError(
                _("{host}:{port}: the connection was lost during the TLS handshake ({error}). "
                  "Check the mailbox security: port 465 needs ssl, port 587 needs starttls.")
                .format(host=self.host, port=self.port, error=error), **self._where()) from error
        if code != 250:
            raise TLSError(
                _("{host}:{port}: the server rejected EHLO after STARTTLS with {code} {reply!r}.")
                .format(host=self.host, port=self.port, code=code, reply=_reply_text(reply)),
                **self._where(), code=code, reply=_reply_text(reply))

    def _tls_error(self, error: ssl.SSLError) -> TLSError:
        where = {"host": self.host, "port": self.port}
        code = getattr(error, "verify_code", None)
        if code in _CERT_NAME_MISMATCH:
            text = _("{host}:{port}: the server's certificate does not match the host name {host!r}. "
                     "Use the host name the provider documents, which is the name in its certificate.")
        elif code == _CERT_EXPIRED:
            text = _("{host}:{port}: the server's certificate has expired. "
                     "Ask the mail provider to renew it; nothing was sent.")
        elif code in _CERT_UNTRUSTED:
            text = _("{host}:{port}: the server's certificate is not signed by a trusted certificate "
                     "authority ({reason}). If the server uses a private authority, set the CA file "
                     "of the mailbox to that authority's certificate.")
        elif isinstance(error, ssl.SSLCertVerificationError):
            text = _("{host}:{port}: the server's certificate could not be verified ({reason}). "
                     "Nothing was sent.")
        else:
            text = _("{host}:{port}: TLS negotiation failed ({reason}). Check the mailbox security: "
                     "port 465 usually needs ssl, port 587 needs starttls.")
        reason = getattr(error, "verify_message", None) or error.reason or error
        return TLSError(text.format(reason=reason, **where), **where)

    def _login(self, connection: smtplib.SMTP) -> None:
        where = {"host": self.host, "port": self.port}
        name, username = self.mailbox.name, self.mailbox.username
        if not connection.has_extn("auth"):
            raise AuthenticationError(
                _("{host}:{port}: the server does not offer login (AUTH) on this connection. "
                  "Clear the user name of mailbox {name!r} if the server needs no login, or "
                  "choose the security the provider requires.")
                .format(name=name, **where), **where)
        mechanisms = connection.esmtp_features["auth"].upper().split()

        # A login the server cannot check now stops the run (after the engine's
        # retries) instead of failing row after row.
        try:
            code, reply = self._authenticate(connection, mechanisms)
        except (smtplib.SMTPException, OSError) as error:
            if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
                text = _("{host}:{port}: the server did not answer the login within {timeout} "
                         "seconds. Try again later, or ask the provider whether the server works.")
            else:
                text = _("{host}:{port}: the connection was lost during login. Try again later.")
            raise LoginUnavailable(text.format(timeout=self.mailbox.timeout, **where),
                                   **where) from error

        text = _reply_text(reply)
        if code == 235:
            return
        if 400 <= code < 500:
            raise LoginUnavailable(
                _("{host}:{port}: the server could not check the password just now "
                  "({code} {reply!r}). Try again later.")
                .format(code=code, reply=text, **where), **where, code=code, reply=text)
        raise AuthenticationError(
            _("{host}:{port}: login as {username!r} failed with {code} {reply!r}: the password was "
              "rejected. Run `{command}` to store the right password; some providers require an "
              "app password.")
            .format(username=username, code=code, reply=text, command=login_command(self.mailbox),
                    **where),
            **where, code=code, reply=text)

    def _authenticate(self, connection: smtplib.SMTP, mechanisms: list[str]) -> tuple[int, bytes]:
        """Log in with AUTH PLAIN, or LOGIN when PLAIN is not offered or not implemented.

        smtplib's own ``login`` encodes the password as ASCII, so a password
        with Hebrew letters would fail; RFC 4616 and common practice use UTF-8.
        """
        user = self.mailbox.username.encode("utf-8")
        password = (self._password or "").encode("utf-8")
        if "PLAIN" in mechanisms:
            token = _base64(b"\0" + user + b"\0" + password)
            code, reply = connection.docmd("AUTH", "PLAIN " + token)
            if code == 334:
                code, reply = connection.docmd(token)
            if code != 504 or "LOGIN" not in mechanisms:
                return code, reply
        if "LOGIN" in mechanisms:
            code, reply = connection.docmd("AUTH", "LOGIN")
            if code == 334:
                code, reply = connection.docmd(_base64(user))
            if code == 334:
                code, reply = connection.docmd(_base64(password))
            return code, reply
        raise AuthenticationError(
            _("{host}:{port}: the server offers no login method HyperMailer supports "
              "(it offers {offered}; HyperMailer uses PLAIN or LOGIN). Ask the mail provider.")
            .format(host=self.host, port=self.port, offered=" ".join(mechanisms) or "none"),
            **self._where())

    # -- Sending ---------------------------------------------------------

    def _send_once(self, sender: str, recipients: Sequence[str], message: bytes,
                   on_data: Callable[[], None] | None) -> Delivery:
        """Run one transaction; afterwards the connection is usable again or discarded."""
        assert self._connection is not None
        try:
            return self._transact(self._connection, sender, recipients, message, on_data)
        except (_DroppedBeforeData, UncertainDelivery):
            self._discard()
            raise
        except (TemporaryFailure, PermanentFailure):
            self._reset()
            raise

    def _transact(self, connection: smtplib.SMTP, sender: str, recipients: Sequence[str],
                  message: bytes, on_data: Callable[[], None] | None) -> Delivery:
        envelope_sender, envelope_recipients, options = self._envelope(
            connection, sender, recipients, len(message))
        self._mail(connection, envelope_sender, options)
        refused = self._rcpt(connection, list(zip(recipients, envelope_recipients)))
        reply = self._data(connection, message, on_data)
        return Delivery(reply=reply, refused=refused)

    def _envelope(self, connection: smtplib.SMTP, sender: str, recipients: Sequence[str],
                  size: int) -> tuple[str, list[str], list[str]]:
        """Return the envelope addresses and MAIL parameters this server can take."""
        addresses = [sender, *recipients]
        for address in addresses:
            if _UNSAFE_ADDRESS.search(address):
                raise PermanentFailure(
                    _("The address {address!r} contains a line break, a control character or "
                      "an angle bracket and cannot be used in the SMTP envelope.")
                    .format(address=address), **self._where())

        options = [f"SIZE={size}"] if connection.has_extn("size") else []
        if all(address.isascii() for address in addresses):
            return sender, list(recipients), options
        if connection.has_extn("smtputf8"):
            return sender, list(recipients), [*options, "SMTPUTF8"]
        return self._ascii_address(sender), [self._ascii_address(r) for r in recipients], options

    def _ascii_address(self, address: str) -> str:
        """Write the domain as an IDNA A-label, for a server without SMTPUTF8."""
        local_part, _at, domain = address.rpartition("@")
        if address.isascii():
            return address
        try:
            if not local_part.isascii():
                raise UnicodeError("non-ASCII local part")
            # NOTE: the standard library codec implements IDNA 2003; IDNA 2008
            # differs for a few characters (such as German sharp s), not for Hebrew.
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise PermanentFailure(
                _("{host}:{port}: the address {address!r} has non-ASCII characters this server "
                  "cannot take, because it does not support SMTPUTF8. Use another address for "
                  "this recipient or a server that supports SMTPUTF8.")
                .format(host=self.host, port=self.port, address=address),
                **self._where()) from error
        return f"{local_part}@{ascii_domain}"

    def _mail(self, connection: smtplib.SMTP, sender: str, options: list[str]) -> None:
        command = f"MAIL FROM:<{sender}>"
        code, reply = self._exchange(command, lambda: connection.mail(sender, options))
        if code == 250:
            return
        # 552 at MAIL FROM refuses this message's declared size; any other
        # 5xx refuses the sender itself (a sending quota, a blocked account).
        if code >= 500 and code != 552:
            where = {"host": self.host, "port": self.port, "code": code, "reply": reply}
            raise SenderRejected(
                _("{host}:{port}: the server rejected the sender {sender} with {code} {reply!r}, "
                  "so no message from this mailbox can go now. Check the mailbox's From address "
                  "and whether the provider's sending limit was reached, then send again; the "
                  "rows not sent wait.").format(sender=sender, **where), **where)
        raise self._rejected(command, code, reply)

    def _rcpt(self, connection: smtplib.SMTP, recipients: list[tuple[str, str]]) -> tuple[str, ...]:
        """Send RCPT for each recipient; return the refused ones unless every one was refused."""
        refusals: list[tuple[str, int, str]] = []
        for original, address in recipients:
            command = f"RCPT TO:<{address}>"
            code, reply = self._exchange(command, lambda: connection.rcpt(address))
            if code == 421:
                raise self._rejected(command, code, reply)
            if code not in (250, 251):
                refusals.append((original, code, reply))

        if len(refusals) == len(recipients):
            raise self._all_refused(refusals)
        return tuple(original for original, _code, _reply in refusals)

    def _data(self, connection: smtplib.SMTP, message: bytes,
              on_data: Callable[[], None] | None) -> str:
        """Send DATA and the message; return the final reply as ``"250 text"``."""
        code, reply = self._exchange("DATA", lambda: connection.docmd("DATA"))
        if code != 354:
            raise self._rejected("DATA", code, reply)
        data = _dot_stuffed(message)
        if on_data is not None:
            on_data()
        try:
            for start in range(0, len(data), _DATA_CHUNK_BYTES):
                connection.send(data[start:start + _DATA_CHUNK_BYTES])
        except smtplib.SMTPServerDisconnected as error:
            # sendall() failed, so the final "." cannot have reached the server.
            raise self._dropped("DATA", error) from error

        try:
            code, raw_reply = connection.getreply()
        except smtplib.SMTPResponseException as error:
            code, raw_reply = error.smtp_code, error.smtp_error
        except (smtplib.SMTPException, OSError) as error:
            raise UncertainDelivery(
                _("{host}:{port}: the connection was lost after the message data was sent and "
                  "before the server replied ({error}). The message may have been delivered: "
                  "check with the recipient or the server's log before sending it again.")
                .format(host=self.host, port=self.port, error=error), **self._where()) from error
        reply = _reply_text(raw_reply)
        if code != 250:
            raise self._rejected("end of DATA", code, reply, after_data=True)
        return f"{code} {reply}"

    def _exchange(self, command: str, request: Callable[[], tuple[int, bytes]]) -> tuple[int, str]:
        """Run one command of the transaction and return its reply code and text."""
        try:
            code, reply = request()
        except smtplib.SMTPResponseException as error:
            code, reply = error.smtp_code, error.smtp_error
        except (smtplib.SMTPException, OSError) as error:
            raise self._dropped(command, error) from error
        return code, _reply_text(reply)

    # -- Failures --------------------------------------------------------

    def _where(self) -> dict[str, object]:
        return {"host": self.host, "port": self.port}

    def _dropped(self, command: str, error: BaseException) -> _DroppedBeforeData:
        return _DroppedBeforeData(
            _("{host}:{port}: the connection was lost during {command} ({error}), before the "
              "message data was sent; the message was not delivered and can be sent again.")
            .format(host=self.host, port=self.port, command=command, error=error), **self._where())

    def _rejected(self, command: str, code: int, reply: str, *,
                  after_data: bool = False) -> TemporaryFailure | PermanentFailure:
        where = {"host": self.host, "port": self.port, "code": code, "reply": reply}
        if code == 421 and not after_data:
            return _DroppedBeforeData(
                _("{host}:{port}: the server closed the connection at {command} with {code} "
                  "{reply!r}; the message was not sent and can be sent again.")
                .format(command=command, **where), **where)
        if 400 <= code < 500:
            return TemporaryFailure(
                _("{host}:{port}: the server answered {command} with {code} {reply!r}, a temporary "
                  "failure; the message was not delivered and can be sent again later.")
                .format(command=command, **where), **where)
        return PermanentFailure(
            _("{host}:{port}: the server rejected {command} with {code} {reply!r}; the message was "
              "not delivered. Check the address and the message, or ask the mail provider what "
              "the reply means.")
            .format(command=command, **where), **where)

    def _all_refused(self, refusals: list[tuple[str, int, str]]) -> TemporaryFailure | PermanentFailure:
        if len(refusals) == 1:
            address, code, reply = refusals[0]
            return self._rejected(f"RCPT TO:<{address}>", code, reply)
        permanent = [refusal for refusal in refusals if not 400 <= refusal[1] < 500]
        _address, code, reply = (permanent or refusals)[0]
        listing = "; ".join(f"{address} ({code} {reply})" for address, code, reply in refusals)
        where = {"host": self.host, "port": self.port, "code": code, "reply": reply}
        if permanent:
            return PermanentFailure(
                _("{host}:{port}: the server rejected every recipient of the message: {refusals}. "
                  "Check the addresses.")
                .format(refusals=listing, **where), **where)
        return TemporaryFailure(
            _("{host}:{port}: the server temporarily rejected every recipient: {refusals}. "
              "The message can be sent again later.")
            .format(refusals=listing, **where), **where)

    def _reset(self) -> None:
        """Send RSET so the connection can carry the next message; discard it if RSET fails."""
        connection = self._connection
        if connection is None:
            return
        try:
            code, _reply = connection.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._discard()

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _quit_quietly(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        connection.close()


def _dot_stuffed(message: bytes) -> bytes:
    """Return *message* as DATA content: leading dots doubled, then CRLF "." CRLF."""
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return _LEADING_DOT.sub(b"..", message) + b".\r\n"


def _reply_text(reply: bytes | str) -> str:
    """Join a possibly multi-line server reply into one line of text."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", errors="replace")
    return " ".join(line.strip() for line in reply.splitlines() if line.strip())


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
