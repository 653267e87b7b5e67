"""One contract every transport meets, then what is particular to pickup, memory and the factory."""

from __future__ import annotations

import datetime
import quopri
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header
from pathlib import Path

import pytest

from hypermailer.campaign import Mailbox, Security
from hypermailer.errors import ConfigurationError, PermanentFailure, TransportError
from hypermailer.transports import (
    MemoryTransport,
    PickupTransport,
    SmtpTransport,
    Transport,
    make_transport,
)

SENDER = "sender@example.com"


def sample_message(number: int = 1, recipient: str = "dana@example.org") -> bytes:
    """Return a 7-bit CRLF message with Hebrew text and lines that need dot-stuffing."""
    subject = Header(f"הודעה מספר {number} – בע\"מ", "utf-8").encode()
    body = quopri.encodestring(f"שלום דנה,\nזוהי הודעה {number}.\n".encode()).replace(b"\n", b"\r\n")
    sender_name = Header("חברה בע\"מ", "utf-8").encode()
    lines = [
        f"From: {sender_name} <sender@example.com>".encode(),
        f"To: {recipient}".encode(),
        f"Subject: {subject}".encode(),
        f"Message-ID: <{number}.test@example.com>".encode(),
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: quoted-printable",
        b"",
        body.rstrip(b"\r\n"),
        b".",
        b".a line that starts with a dot",
        b"..two dots",
        b"x" * 998,
        b"",
    ]
    return b"\r\n".join(lines)


@dataclass
class Harness:
    """How the contract tests build one kind of transport and read back what it delivered."""

    make: Callable[[], Transport]
    delivered: Callable[[], list[bytes]]
    envelopes: Callable[[], list[tuple[str, list[str]]]] | None  # None: the kind keeps no envelope


def _memory_harness() -> Harness:
    transport = MemoryTransport()
    return Harness(
        make=lambda: transport,
        delivered=lambda: [message for _sender, _recipients, message in transport.outbox],
        envelopes=lambda: [(sender, list(recipients)) for sender, recipients, _ in transport.outbox],
    )


def _pickup_harness(folder: Path) -> Harness:
    mailbox = Mailbox(name="Local outbox", from_address=SENDER, kind="pickup", folder=folder)
    return Harness(
        make=lambda: PickupTransport(mailbox),
        delivered=lambda: [path.read_bytes() for path in sorted(folder.glob("*.eml"))],
        envelopes=None,
    )


def _smtp_harness(smtp_server: Callable, security: str) -> Harness:
    server = smtp_server(security=security, auth=security != "none")
    return Harness(
        make=lambda: SmtpTransport(server.mailbox(), password=server.password,
                                   ssl_context=server.client_context),
        delivered=lambda: [data for _sender, _recipients, data in server.received],
        envelopes=lambda: [(sender, recipients) for sender, recipients, _ in server.received],
    )


@pytest.fixture(params=["memory", "pickup", "smtp-none", "smtp-starttls", "smtp-ssl"])
def harness(request: pytest.FixtureRequest, tmp_path: Path, smtp_server: Callable) -> Harness:
    kind = request.param
    if kind == "memory":
        return _memory_harness()
    if kind == "pickup":
        return _pickup_harness(tmp_path / "outbox")
    return _smtp_harness(smtp_server, kind.removeprefix("smtp-"))


class TestTransportContract:
    """What the engine relies on, whatever the transport."""

    def test_transport_send_keeps_bytes_unchanged(self, harness: Harness) -> None:
        message = sample_message()
        with harness.make() as transport:
            transport.send(SENDER, ["dana@example.org"], message)
        assert harness.delivered() == [message]

    def test_transport_send_returns_delivery(self, harness: Harness) -> None:
        with harness.make() as transport:
            delivery = transport.send(SENDER, ["dana@example.org"], sample_message())
        assert delivery.reply
        assert delivery.refused == ()

    def test_transport_send_records_envelope(self, harness: Harness) -> None:
        if harness.envelopes is None:
            pytest.skip("this transport keeps no envelope")
        with harness.make() as transport:
            transport.send(SENDER, ["dana@example.org", "cc@example.org"], sample_message())
        assert harness.envelopes() == [(SENDER, ["dana@example.org", "cc@example.org"])]

    def test_transport_send_opens_when_closed(self, harness: Harness) -> None:
        transport = harness.make()
        transport.send(SENDER, ["dana@example.org"], sample_message())
        transport.close()
        assert len(harness.delivered()) == 1

    def test_transport_send_many_in_order(self, harness: Harness) -> None:
        messages = [sample_message(number) for number in range(1, 6)]
        with harness.make() as transport:
            for message in messages:
                transport.send(SENDER, ["dana@example.org"], message)
        assert harness.delivered() == messages

    def test_transport_open_twice_is_harmless(self, harness: Harness) -> None:
        transport = harness.make()
        transport.open()
        transport.open()
        transport.send(SENDER, ["dana@example.org"], sample_message())
        transport.close()
        assert len(harness.delivered()) == 1

    def test_transport_close_twice_is_harmless(self, harness: Harness) -> None:
        transport = harness.make()
        transport.close()
        transport.open()
        transport.close()
        transport.close()
        assert harness.delivered() == []

    def test_transport_send_after_close_reopens(self, harness: Harness) -> None:
        transport = harness.make()
        with transport:
            transport.send(SENDER, ["dana@example.org"], sample_message(1))
        with transport:
            transport.send(SENDER, ["dana@example.org"], sample_message(2))
        assert harness.delivered() == [sample_message(1), sample_message(2)]

    def test_transport_context_returns_itself(self, harness: Harness) -> None:
        transport = harness.make()
        with transport as entered:
            assert entered is transport

    def test_transport_send_without_recipients_fails(self, harness: Harness) -> None:
        with harness.make() as transport:
            with pytest.raises(ValueError):
                transport.send(SENDER, [], sample_message())
        assert harness.delivered() == []


# -- Pickup ----------------------------------------------------------------

def _pickup_mailbox(folder: Path | None) -> Mailbox:
    return Mailbox(name="Local outbox", from_address=SENDER, kind="pickup", folder=folder)


def test_pickup_creates_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b" / "outbox"
    PickupTransport(_pickup_mailbox(folder)).send(SENDER, ["dana@example.org"], sample_message())
    assert folder.is_dir()


def test_pickup_reply_is_file_path(tmp_path: Path) -> None:
    delivery = PickupTransport(_pickup_mailbox(tmp_path)).send(SENDER, ["dana@example.org"], b"x\r\n")
    path = Path(delivery.reply)
    assert path.parent == tmp_path
    assert path.read_bytes() == b"x\r\n"


def test_pickup_file_name_is_timestamp_and_id(tmp_path: Path) -> None:
    moment = datetime.datetime(2025, 3, 9, 14, 5, 6, 789000, tzinfo=datetime.timezone.utc)
    transport = PickupTransport(_pickup_mailbox(tmp_path), clock=lambda: moment)
    name = Path(transport.send(SENDER, ["dana@example.org"], b"x\r\n").reply).name
    assert re.fullmatch(r"20250309T140506789000Z-[0-9a-f]{8}\.eml", name)


def test_pickup_file_name_uses_utc(tmp_path: Path) -> None:
    israel = datetime.timezone(datetime.timedelta(hours=3))
    moment = datetime.datetime(2025, 3, 9, 2, 0, tzinfo=israel)
    transport = PickupTransport(_pickup_mailbox(tmp_path), clock=lambda: moment)
    name = Path(transport.send(SENDER, ["dana@example.org"], b"x\r\n").reply).name
    assert name.startswith("20250308T230000000000Z-")


def test_pickup_names_sort_in_sending_order(tmp_path: Path) -> None:
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    moments = iter(start + datetime.timedelta(microseconds=step) for step in range(20))
    transport = PickupTransport(_pickup_mailbox(tmp_path), clock=lambda: next(moments))
    for number in range(20):
        transport.send(SENDER, ["dana@example.org"], f"{number}\r\n".encode())
    contents = [path.read_bytes() for path in sorted(tmp_path.glob("*.eml"))]
    assert contents == [f"{number}\r\n".encode() for number in range(20)]


def test_pickup_same_instant_gives_distinct_files(tmp_path: Path) -> None:
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    transport = PickupTransport(_pickup_mailbox(tmp_path), clock=lambda: moment)
    for _ in range(10):
        transport.send(SENDER, ["dana@example.org"], b"x\r\n")
    assert len(list(tmp_path.glob("*.eml"))) == 10


def test_pickup_leaves_no_temporary_file(tmp_path: Path) -> None:
    transport = PickupTransport(_pickup_mailbox(tmp_path))
    transport.send(SENDER, ["dana@example.org"], sample_message())
    assert [path.suffix for path in tmp_path.iterdir()] == [".eml"]


def test_pickup_hebrew_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "דואר יוצא"
    PickupTransport(_pickup_mailbox(folder)).send(SENDER, ["dana@example.org"], sample_message())
    assert len(list(folder.glob("*.eml"))) == 1


def test_pickup_folder_that_is_a_file_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    transport = PickupTransport(_pickup_mailbox(blocker / "inner"))
    with pytest.raises(TransportError) as caught:
        transport.send(SENDER, ["dana@example.org"], b"x\r\n")
    assert caught.value.host == str(blocker / "inner")
    assert str(blocker / "inner") in str(caught.value)
    assert "Local outbox" in str(caught.value)


def test_pickup_verify_creates_folder(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    steps = PickupTransport(_pickup_mailbox(folder)).verify()
    assert steps == [f"The pickup folder {folder} exists and can be written."]
    assert list(folder.iterdir()) == []


def test_pickup_verify_folder_that_is_a_file_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    with pytest.raises(TransportError):
        PickupTransport(_pickup_mailbox(blocker)).verify()


def test_pickup_without_folder_fails() -> None:
    with pytest.raises(ConfigurationError) as caught:
        PickupTransport(_pickup_mailbox(None))
    assert "Local outbox" in str(caught.value)


# -- Memory ----------------------------------------------------------------

def test_memory_scripted_failure_raises() -> None:
    failure = PermanentFailure("550 no such user", code=550)
    transport = MemoryTransport({"Gone@Example.org": failure})
    with pytest.raises(PermanentFailure) as caught:
        transport.send(SENDER, ["gone@example.org"], b"x\r\n")
    assert caught.value is failure
    assert transport.outbox == []


def test_memory_scripted_failure_spares_others() -> None:
    transport = MemoryTransport({"gone@example.org": PermanentFailure("550")})
    transport.send(SENDER, ["dana@example.org"], b"x\r\n")
    assert transport.outbox == [(SENDER, ("dana@example.org",), b"x\r\n")]


def test_memory_counts_opens() -> None:
    transport = MemoryTransport()
    with transport:
        transport.send(SENDER, ["dana@example.org"], b"1\r\n")
        transport.send(SENDER, ["dana@example.org"], b"2\r\n")
    transport.send(SENDER, ["dana@example.org"], b"3\r\n")
    assert transport.open_count == 2


# -- make_transport --------------------------------------------------------

@pytest.mark.parametrize("kind", ["smtp", "SMTP", " Smtp "])
def test_make_transport_smtp(kind: str) -> None:
    mailbox = Mailbox(name="Office", from_address=SENDER, kind=kind, host="127.0.0.1",
                      security=Security.STARTTLS)
    transport = make_transport(mailbox, password="secret")
    assert isinstance(transport, SmtpTransport)
    assert transport.port == 587


def test_make_transport_pickup(tmp_path: Path) -> None:
    transport = make_transport(_pickup_mailbox(tmp_path))
    assert isinstance(transport, PickupTransport)


def test_make_transport_unknown_kind_fails() -> None:
    mailbox = Mailbox(name="Office", from_address=SENDER, kind="imap")
    with pytest.raises(ConfigurationError) as caught:
        make_transport(mailbox)
    assert "'imap'" in str(caught.value)
    assert "'Office'" in str(caught.value)


def test_make_transport_invalid_security_fails() -> None:
    mailbox = Mailbox(name="Office", from_address=SENDER, kind="smtp", host="127.0.0.1",
                      security="tls")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as caught:
        make_transport(mailbox)
    assert "'tls'" in str(caught.value)


def test_make_transport_memory_is_not_a_kind() -> None:
    mailbox = Mailbox(name="Office", from_address=SENDER, kind="memory")
    with pytest.raises(ConfigurationError):
        make_transport(mailbox)
