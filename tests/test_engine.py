from email import policy
from email.parser import BytesParser

import pytest

from hypermailer import journal as events
from hypermailer.checking import check_campaign
from hypermailer.clock import FakeClock
from hypermailer.engine import Options, send_campaign
from hypermailer.errors import (AuthenticationError, ConnectError, PermanentFailure,
                                TemporaryFailure, UncertainDelivery)
from hypermailer.journal import Journal
from hypermailer.transports.memory import MemoryTransport

from dataclasses import replace

from hypermailer.transports.base import Delivery

from engine_helpers import make_campaign, make_table, memory_mailbox

ROWS = [
    ("dana@example.com", "דנה", 100),
    ("yossi@example.org", "יוסי", 200),
    ("noa@example.com", "נועה", 300),
]


def run(tmp_path, campaign, transport, *, mailbox=None, options=None, clock=None):
    mailbox = mailbox or memory_mailbox()
    report = check_campaign(campaign, mailbox)
    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal,
                                options=options, clock=clock or FakeClock())
    return summary


def delivered_to(transport):
    return [recipients[0] for _sender, recipients, _data in transport.outbox]


def test_engine_sends_one_message_per_row(tmp_path):
    transport = MemoryTransport()

    summary = run(tmp_path, make_campaign(ROWS), transport)

    assert summary.sent == 3
    assert delivered_to(transport) == ["dana@example.com", "yossi@example.org",
                                       "noa@example.com"]


def test_engine_message_addressed_only_to_its_row(tmp_path):
    transport = MemoryTransport()
    run(tmp_path, make_campaign(ROWS), transport)

    for _sender, recipients, data in transport.outbox:
        message = BytesParser(policy=policy.default).parsebytes(data)
        assert len(recipients) == 1
        assert message["To"].addresses[0].addr_spec == recipients[0]
        assert message["Bcc"] is None


def test_engine_rerun_sends_nothing_twice(tmp_path):
    campaign = make_campaign(ROWS)
    first, second = MemoryTransport(), MemoryTransport()

    run(tmp_path, campaign, first)
    summary = run(tmp_path, campaign, second)

    assert second.outbox == []
    assert summary.already_done == 3


def test_engine_failing_row_does_not_stop_others(tmp_path):
    refusal = PermanentFailure("550 no such user", code=550, reply="no such user")
    transport = MemoryTransport(failures={"yossi@example.org": refusal})

    summary = run(tmp_path, make_campaign(ROWS), transport)

    assert summary.failed == 1
    assert summary.sent == 2
    assert delivered_to(transport) == ["dana@example.com", "noa@example.com"]


def test_engine_failed_row_not_retried_next_run(tmp_path):
    refusal = PermanentFailure("550 no such user", code=550, reply="no such user")
    campaign = make_campaign(ROWS)
    run(tmp_path, campaign, MemoryTransport(failures={"yossi@example.org": refusal}))

    again = MemoryTransport()
    run(tmp_path, campaign, again)

    assert again.outbox == []


def test_engine_authentication_failure_stops_run(tmp_path):
    failure = AuthenticationError("535 bad password", code=535)
    transport = MemoryTransport(failures={"dana@example.com": failure})

    summary = run(tmp_path, make_campaign(ROWS), transport)

    assert summary.stopped
    assert transport.outbox == []
    assert summary.outcomes == {2: events.DEFERRED}


def test_engine_stopped_rows_sent_by_next_run(tmp_path):
    campaign = make_campaign(ROWS)
    failure = AuthenticationError("535 bad password", code=535)
    run(tmp_path, campaign, MemoryTransport(failures={"dana@example.com": failure}))

    again = MemoryTransport()
    summary = run(tmp_path, campaign, again)

    assert summary.sent == 3


def test_engine_uncertain_not_retried_unless_asked(tmp_path):
    campaign = make_campaign(ROWS)
    lost = UncertainDelivery("connection lost after data")
    first = run(tmp_path, campaign, MemoryTransport(failures={"noa@example.com": lost}))

    plain_rerun = MemoryTransport()
    run(tmp_path, campaign, plain_rerun)
    asked_rerun = MemoryTransport()
    run(tmp_path, campaign, asked_rerun, options=Options(retry_uncertain=True))

    assert first.uncertain == 1
    assert plain_rerun.outbox == []
    assert delivered_to(asked_rerun) == ["noa@example.com"]


def test_engine_attempt_without_outcome_treated_as_uncertain(tmp_path):
    campaign = make_campaign(ROWS)
    with Journal(tmp_path / "journal", "c1") as journal:
        journal.record(events.ATTEMPT, "dana@example.com", 2, message_id="<x@example.com>")

    transport = MemoryTransport()
    run(tmp_path, campaign, transport)

    assert delivered_to(transport) == ["yossi@example.org", "noa@example.com"]


class FlakyTransport(MemoryTransport):
    """Fails the first *failures* sends with a temporary error."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.remaining = failures
        self.closes = 0

    def close(self) -> None:
        self.closes += 1
        super().close()

    def send(self, sender, recipients, message, **options):
        if self.remaining:
            self.remaining -= 1
            raise TemporaryFailure("451 try later", code=451)
        return super().send(sender, recipients, message, **options)


def test_engine_temporary_failure_retried_with_backoff(tmp_path):
    clock = FakeClock()
    transport = FlakyTransport(failures=2)

    summary = run(tmp_path, make_campaign(ROWS[:1]), transport, clock=clock,
                  options=Options(jitter=0))

    assert summary.sent == 1
    assert clock.sleeps == [2.0, 4.0]
    assert transport.closes >= 2


def test_engine_temporary_failure_exhausted_fails_row(tmp_path):
    transport = FlakyTransport(failures=10)

    summary = run(tmp_path, make_campaign(ROWS[:1]), transport)

    assert summary.failed == 1
    assert summary.deferred == 0
    assert summary.sent == 0


def test_engine_failed_row_not_sent_by_plain_rerun(tmp_path):
    campaign = make_campaign(ROWS[:1])
    run(tmp_path, campaign, FlakyTransport(failures=10))

    again = MemoryTransport()
    summary = run(tmp_path, campaign, again)

    assert delivered_to(again) == []
    assert summary.already_done == 1


def test_engine_retry_failed_sends_failed_row_again(tmp_path):
    campaign = make_campaign(ROWS[:2])
    run(tmp_path, campaign, FlakyTransport(failures=3))

    again = MemoryTransport()
    run(tmp_path, campaign, again, options=Options(retry_failed=True))

    assert delivered_to(again) == ["dana@example.com"]


def test_engine_throttled_row_deferred_and_sent_next_run(tmp_path):
    class Throttled(FlakyTransport):
        def send(self, sender, recipients, message, **options):
            if self.remaining:
                self.remaining -= 1
                raise TemporaryFailure("452 4.5.3 too many recipients", code=452)
            return MemoryTransport.send(self, sender, recipients, message, **options)

    campaign = make_campaign(ROWS[:1])
    first = run(tmp_path, campaign, Throttled(failures=10))
    again = MemoryTransport()
    run(tmp_path, campaign, again)

    assert first.deferred == 1
    assert first.failed == 0
    assert delivered_to(again) == ["dana@example.com"]


def test_engine_rows_option_selects_sheet_rows(tmp_path):
    transport = MemoryTransport()

    run(tmp_path, make_campaign(ROWS), transport, options=Options(rows={3, 4}))

    assert delivered_to(transport) == ["yossi@example.org", "noa@example.com"]


def test_engine_limit_caps_messages(tmp_path):
    transport = MemoryTransport()

    summary = run(tmp_path, make_campaign(ROWS), transport, options=Options(limit=2))

    assert summary.sent == 2


def test_engine_pacing_respects_per_minute(tmp_path):
    clock = FakeClock()
    rows = [(f"user{i}@example.com", "x", i) for i in range(7)]

    run(tmp_path, make_campaign(rows), MemoryTransport(), mailbox=memory_mailbox(per_minute=3),
        clock=clock)

    assert clock.elapsed >= 120


def test_engine_invalid_row_never_sent(tmp_path):
    rows = [*ROWS, ("not-an-address", "x", 1)]
    transport = MemoryTransport()

    summary = run(tmp_path, make_campaign(rows), transport)

    assert summary.sent == 3
    assert "not-an-address" not in delivered_to(transport)


def test_check_unknown_placeholder_is_fatal(tmp_path):
    campaign = make_campaign(ROWS, body="{#7}")

    report = check_campaign(campaign, memory_mailbox())

    assert report.fatal
    assert report.ready == []
    assert "{#7}" in report.problems[-1].message


def test_check_missing_shared_attachment_is_fatal(tmp_path):
    campaign = make_campaign(ROWS, attachments=(tmp_path / "missing.pdf",))

    report = check_campaign(campaign, memory_mailbox())

    assert report.fatal


def test_check_message_over_size_limit(tmp_path):
    attachment = tmp_path / "big.bin"
    attachment.write_bytes(b"x" * 200_000)
    campaign = make_campaign(ROWS, attachments=(attachment,))

    report = check_campaign(campaign, memory_mailbox(max_message_bytes=100_000))

    assert report.ready == []
    assert {problem.kind for problem in report.problems} == {"too-large"}


def test_check_empty_used_field_is_warning(tmp_path):
    rows = [("dana@example.com", "", 100)]

    report = check_campaign(make_campaign(rows), memory_mailbox())

    assert len(report.ready) == 1
    assert [problem.kind for problem in report.problems] == ["empty-field"]


class ThrottlingTransport(MemoryTransport):
    """Fails the first send with a scripted temporary reply."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__()
        self.error = TemporaryFailure(f"{code} {reply}", code=code, reply=reply)

    def send(self, sender, recipients, message, **options):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return super().send(sender, recipients, message, **options)


@pytest.mark.parametrize("code, reply, slowed", [
    (452, "4.5.3 too many recipients", True),
    (451, "4.7.1 rate limit exceeded", True),
    (421, "4.7.0 too many connections", True),
    (451, "4.3.0 local error in processing", False),
    (450, "4.2.1 mailbox busy", False),
])
def test_engine_throttling_reply_slows_run(tmp_path, code, reply, slowed):
    clock = FakeClock()
    options = Options(jitter=0, backoff_seconds=0)

    run(tmp_path, make_campaign(ROWS), ThrottlingTransport(code, reply), clock=clock,
        options=options)

    assert (clock.elapsed >= 2.0) is slowed


class CountingFactory:
    """Makes memory transports that share one outbox, counting how many it made."""

    def __init__(self, shared: MemoryTransport) -> None:
        self.shared = shared
        self.made = 0

    def __call__(self) -> MemoryTransport:
        self.made += 1
        return self.shared


def test_engine_parallel_connections_send_each_row_once(tmp_path):
    rows = [(f"user{i}@example.com", "x", i) for i in range(40)]
    campaign, mailbox = make_campaign(rows), memory_mailbox(connections=4)
    shared = MemoryTransport()
    factory = CountingFactory(shared)
    report = check_campaign(campaign, mailbox)

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, shared, journal,
                                clock=FakeClock(), more_transports=factory)

    assert summary.sent == 40
    assert factory.made == 3
    assert sorted(delivered_to(shared)) == sorted(address for address, _n, _a in rows)


def test_engine_parallel_failure_stops_all_connections(tmp_path):
    rows = [(f"user{i}@example.com", "x", i) for i in range(20)]
    failure = AuthenticationError("535 bad password", code=535)
    shared = MemoryTransport(failures={"user0@example.com": failure})
    campaign, mailbox = make_campaign(rows), memory_mailbox(connections=3)
    report = check_campaign(campaign, mailbox)

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, shared, journal, clock=FakeClock(),
                                more_transports=lambda: shared)

    assert summary.stopped
    assert summary.sent < 20


def test_engine_without_factory_uses_one_connection(tmp_path):
    rows = [(f"user{i}@example.com", "x", i) for i in range(5)]
    transport = MemoryTransport()

    run(tmp_path, make_campaign(rows), transport, mailbox=memory_mailbox(connections=4))

    assert transport.open_count == 1


def test_engine_ctrl_c_returns_summary_of_what_went(tmp_path):
    rows = [(f"user{i}@example.com", "x", i) for i in range(5)]
    transport = MemoryTransport(failures={"user2@example.com": KeyboardInterrupt()})

    summary = run(tmp_path, make_campaign(rows), transport)

    assert summary.interrupted
    assert summary.sent == 2
    assert delivered_to(transport) == ["user0@example.com", "user1@example.com"]


def test_engine_cc_accepted_main_refused_fails_row(tmp_path):
    class RefusingMain(MemoryTransport):
        def send(self, sender, recipients, message, **options):
            super().send(sender, recipients, message, **options)
            return Delivery(reply="250 OK", refused=(recipients[0],))

    table_rows = [("dana@example.com", "boss@example.org", "x")]
    campaign = make_campaign(table_rows)
    campaign = replace(campaign, table=make_table(table_rows, header=("Email", "CC", "Name")))

    summary = run(tmp_path, campaign, RefusingMain())

    assert summary.failed == 1
    assert summary.sent == 0


def test_engine_attachment_removed_after_check_fails_row_only(tmp_path):
    attachment = tmp_path / "price.pdf"
    attachment.write_bytes(b"%PDF-1.4")
    campaign = make_campaign(ROWS, attachments=(attachment,))
    mailbox = memory_mailbox()
    report = check_campaign(campaign, mailbox)
    attachment.unlink()
    transport = MemoryTransport()

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal, clock=FakeClock())

    assert summary.failed == 3
    assert not summary.stopped


def test_engine_extra_connection_failure_keeps_run(tmp_path):
    rows = [(f"user{i}@example.com", "x", i) for i in range(6)]
    campaign, mailbox = make_campaign(rows), memory_mailbox(connections=3)
    report = check_campaign(campaign, mailbox)
    transport = MemoryTransport()

    def broken_factory():
        raise ConnectError("127.0.0.1:1: refused", host="127.0.0.1", port=1)

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal, clock=FakeClock(),
                                more_transports=broken_factory)

    assert summary.sent == 6
    assert not summary.stopped


def test_engine_ctrl_c_during_backoff_leaves_row_pending(tmp_path):
    class InterruptingClock(FakeClock):
        def sleep(self, seconds):
            raise KeyboardInterrupt

    campaign = make_campaign(ROWS[:1])
    run(tmp_path, campaign, FlakyTransport(failures=1), clock=InterruptingClock())

    again = MemoryTransport()
    run(tmp_path, campaign, again)

    assert delivered_to(again) == ["dana@example.com"]
