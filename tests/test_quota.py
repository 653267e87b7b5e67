from datetime import timedelta

from hypermailer.campaign import Mailbox
from hypermailer.checking import check_campaign
from hypermailer.clock import FakeClock
from hypermailer.engine import send_campaign
from hypermailer.journal import Journal
from hypermailer.quota import DAY_SECONDS, DailyQuota, quota_path
from hypermailer.transports.memory import MemoryTransport

from engine_helpers import make_campaign, memory_mailbox


def make_quota(tmp_path, limit, clock):
    mailbox = Mailbox(name="Office", from_address="office@example.com", host="127.0.0.1")
    return DailyQuota(quota_path(tmp_path / "quota", mailbox), limit, clock)


def test_quota_counts_across_instances(tmp_path):
    clock = FakeClock()
    first = make_quota(tmp_path, 3, clock)
    first.count()
    first.count()

    second = make_quota(tmp_path, 3, clock)

    assert second.remaining() == 1


def test_quota_window_rolls_after_a_day(tmp_path):
    clock = FakeClock()
    quota = make_quota(tmp_path, 2, clock)
    quota.count()
    clock.sleep(DAY_SECONDS / 2)
    quota.count()

    clock.sleep(DAY_SECONDS / 2 + 1)

    assert quota.remaining() == 1


def test_quota_next_free_is_oldest_plus_a_day(tmp_path):
    clock = FakeClock()
    quota = make_quota(tmp_path, 1, clock)
    sent_at = clock.now()
    quota.count()

    assert quota.next_free() == sent_at + timedelta(days=1)


def test_quota_without_limit_writes_nothing(tmp_path):
    quota = make_quota(tmp_path, 0, FakeClock())
    quota.count()

    assert quota.remaining() is None
    assert not quota.path.exists()


def test_quota_truncated_line_ignored(tmp_path):
    clock = FakeClock()
    quota = make_quota(tmp_path, 5, clock)
    quota.count()
    with open(quota.path, "a", encoding="ascii") as stream:
        stream.write("17673")

    assert quota.remaining() == 4


def test_engine_stops_cleanly_at_daily_limit(tmp_path):
    clock = FakeClock()
    quota = make_quota(tmp_path, 2, clock)
    rows = [(f"user{i}@example.com", "x", i) for i in range(5)]
    campaign, mailbox, transport = make_campaign(rows), memory_mailbox(per_day=2), MemoryTransport()
    report = check_campaign(campaign, mailbox)

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal, clock=clock,
                                quota=quota)

    assert summary.sent == 2
    assert summary.remaining == 3
    assert summary.quota_until is not None
    assert len(transport.outbox) == 2


def test_engine_next_run_continues_after_limit(tmp_path):
    clock = FakeClock()
    rows = [(f"user{i}@example.com", "x", i) for i in range(3)]
    campaign, mailbox = make_campaign(rows), memory_mailbox(per_day=2)
    report = check_campaign(campaign, mailbox)
    for _ in range(2):
        with Journal(tmp_path / "journal", "c1") as journal:
            send_campaign(campaign, mailbox, report, MemoryTransport(), journal, clock=clock,
                          quota=make_quota(tmp_path, 2, clock))
        clock.sleep(DAY_SECONDS)

    later = MemoryTransport()
    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, later, journal, clock=clock,
                                quota=make_quota(tmp_path, 2, clock))

    assert summary.already_done == 3
    assert later.outbox == []


def test_engine_quota_with_more_connections_than_left(tmp_path):
    clock = FakeClock()
    quota = make_quota(tmp_path, 2, clock)
    rows = [(f"user{i}@example.com", "x", i) for i in range(5)]
    campaign, mailbox, transport = make_campaign(rows), memory_mailbox(connections=3), MemoryTransport()
    report = check_campaign(campaign, mailbox)

    with Journal(tmp_path / "journal", "c1") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal, clock=clock,
                                quota=quota, more_transports=lambda: transport)

    assert summary.sent == 2
    assert summary.remaining == 3
    assert summary.quota_until > clock.now()


def test_quota_counts_each_recipient(tmp_path):
    quota = make_quota(tmp_path, 5, FakeClock())

    quota.count(3)

    assert quota.remaining() == 2
