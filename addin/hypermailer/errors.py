"""The HyperMailer error tree.

Every error a user can meet derives from :class:`HyperMailerError`; its text is
already translated into the active language and states where it happened, what failed and what to do.
Subclasses keep the data (row, cell, host, SMTP code) as attributes.
"""

from __future__ import annotations


class HyperMailerError(Exception):
    """Root of every error HyperMailer raises on purpose."""


class ConfigurationError(HyperMailerError):
    """A setting, mailbox or option is missing or invalid; nothing was sent."""


class WorkbookError(HyperMailerError):
    """A workbook or CSV file cannot be read or written."""

    def __init__(self, message: str, *, path: str | None = None, sheet: str | None = None,
                 cell: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.sheet = sheet
        self.cell = cell


class TemplateError(HyperMailerError):
    """A subject, body or organisation template cannot be compiled or rendered."""

    def __init__(self, message: str, *, template: str, placeholder: str | None = None,
                 row: int | None = None) -> None:
        super().__init__(message)
        self.template = template
        self.placeholder = placeholder
        self.row = row


class CredentialError(ConfigurationError):
    """No password is stored for a mailbox, or the keyring is not usable."""


class TransportError(HyperMailerError):
    """Delivery through a transport failed.

    ``host`` and ``port`` name the server (or ``host`` names the pickup folder);
    ``code`` and ``reply`` carry the SMTP reply when there was one.
    """

    def __init__(self, message: str, *, host: str | None = None, port: int | None = None,
                 code: int | None = None, reply: str | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.code = code
        self.reply = reply


class ConnectError(TransportError, ConnectionError):
    """The server could not be reached (refused, unknown host, timed out)."""


class LoginUnavailable(ConnectError):
    """The server could not check the login just now: a timeout, a dropped connection or a 4xx reply."""


class TLSError(TransportError):
    """TLS could not be negotiated or the certificate failed verification."""


class AuthenticationError(TransportError):
    """The server rejected the user name or password; the run must stop."""


class SenderRejected(TransportError):
    """A 5xx reply to MAIL FROM: the server refuses the sender, so every message would fail."""


class TemporaryFailure(TransportError):
    """A 4xx reply or a dropped connection before the message data went; retry later."""


class PermanentFailure(TransportError):
    """A 5xx reply for this message; the row fails and the run goes on."""


class UncertainDelivery(TransportError):
    """The connection died after the message data was sent and before the reply.

    The server may have accepted the message, so it must not be retried
    automatically.
    """
