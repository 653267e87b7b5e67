"""The interface every transport implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    """A transport's report on one accepted message.

    ``reply`` is the server's final reply text (SMTP) or the written file's
    path (pickup). ``refused`` lists envelope recipients the server refused
    while it accepted the others.
    """

    reply: str
    refused: tuple[str, ...] = ()


class Caution(str):
    """A step of a connection test that worked but deserves the user's attention."""


def step_mark(step: str) -> str:
    """Return the sign shown before a connection-test step: a tick, or ! for a caution."""
    return "!" if isinstance(step, Caution) else "✓"


class Transport(ABC):
    """Sends message bytes to envelope recipients.

    Use as a context manager or call :meth:`open` and :meth:`close`. ``send``
    opens the connection when it is not open. Failures raise subclasses of
    :class:`hypermailer.errors.TransportError`.
    """

    def __enter__(self) -> "Transport":
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None:
        """Connect (or prepare the folder); do nothing if already open."""

    @abstractmethod
    def close(self) -> None:
        """Release what :meth:`open` acquired. Implementations must not raise."""

    @abstractmethod
    def send(self, sender: str, recipients: Sequence[str], message: bytes, *,
             on_data: Callable[[], None] | None = None) -> Delivery:
        """Deliver one message to its envelope recipients.

        *on_data* is called once, right before the message is handed over
        (the SMTP data, the file rename). A failure raised before that call
        means the message certainly did not go.
        """
