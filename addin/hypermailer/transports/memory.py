"""In-memory delivery for tests and previews: messages are kept, never sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hypermailer.transports.base import Delivery, Transport


class MemoryTransport(Transport):
    """Keeps each sent message as ``(sender, recipients, message)`` in :attr:`outbox`.

    ``failures`` maps a recipient address (compared without case) to the
    exception that ``send`` raises for a message to it, which scripts a
    server's rejection without a server. ``open_count`` counts the times the
    transport went from closed to open.
    """

    def __init__(self, failures: Mapping[str, BaseException] | None = None) -> None:
        self.outbox: list[tuple[str, tuple[str, ...], bytes]] = []
        self.failures = {address.casefold(): error for address, error in (failures or {}).items()}
        self.is_open = False
        self.open_count = 0

    def open(self) -> None:
        if not self.is_open:
            self.is_open = True
            self.open_count += 1

    def close(self) -> None:
        self.is_open = False

    def send(self, sender: str, recipients: Sequence[str], message: bytes, *,
             on_data: Callable[[], None] | None = None) -> Delivery:
        """Raise the scripted failure of the first listed recipient, or keep the message."""
        if not recipients:
            raise ValueError("send() needs at least one envelope recipient")
        self.open()
        for recipient in recipients:
            failure = self.failures.get(recipient.casefold())
            if failure is not None:
                raise failure
        if on_data is not None:
            on_data()
        self.outbox.append((sender, tuple(recipients), bytes(message)))
        return Delivery(reply=f"250 kept in memory as message {len(self.outbox)}")
