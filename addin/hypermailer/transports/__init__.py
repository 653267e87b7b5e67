"""Delivery transports, chosen by the short kind names used in a Mailboxes table."""

from __future__ import annotations

import ssl

from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError
from hypermailer.i18n import _
from hypermailer.transports.base import Delivery, Transport
from hypermailer.transports.memory import MemoryTransport
from hypermailer.transports.pickup import PickupTransport
from hypermailer.transports.smtp import SmtpTransport

#: The kinds a Mailboxes table may name; ``memory`` is for tests and previews only.
KINDS = ("smtp", "pickup")

__all__ = ["KINDS", "Delivery", "MemoryTransport", "PickupTransport", "SmtpTransport",
           "Transport", "make_transport"]


def make_transport(mailbox: Mailbox, *, password: str | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> Transport:
    """Build the transport for ``mailbox.kind`` (``smtp`` or ``pickup``, in any case).

    *password* and *ssl_context* are used by SMTP only. Nothing is opened yet.
    """
    kind = mailbox.kind.strip().lower()
    if kind == "smtp":
        return SmtpTransport(mailbox, password=password, ssl_context=ssl_context)
    if kind == "pickup":
        return PickupTransport(mailbox)
    raise ConfigurationError(
        _("Mailbox {name!r}: the kind {kind!r} is unknown. Use smtp or pickup.")
        .format(name=mailbox.name, kind=mailbox.kind))
