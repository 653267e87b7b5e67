import threading

from hypermailer import pacing
from hypermailer.clock import FakeClock
from hypermailer.pacing import MINUTE, Pacer, estimated_seconds
from hypermailer.quota import MinuteLedger


def send_times(pacer, clock, count):
    times = []
    for _ in range(count):
        pacer.wait()
        times.append(clock.monotonic())
    return times


def test_pacer_no_minute_window_over_limit():
    clock = FakeClock()
    times = send_times(Pacer(clock, per_minute=30), clock, 200)

    for index in range(len(times) - 30):
        assert times[index + 30] - times[index] >= MINUTE


def test_pacer_reaches_configured_rate():
    clock = FakeClock()
    times = send_times(Pacer(clock, per_minute=30), clock, 301)

    rate_per_minute = 300 / ((times[-1] - times[0]) / MINUTE)

    assert rate_per_minute >= 0.98 * 30


def test_pacer_without_limit_never_sleeps():
    clock = FakeClock()
    send_times(Pacer(clock), clock, 100)

    assert clock.sleeps == []


def test_pacer_daily_limit_waits_a_day():
    clock = FakeClock()
    times = send_times(Pacer(clock, per_day=5), clock, 6)

    assert times[5] - times[0] >= 24 * 60 * 60


def test_pacer_estimate_for_count():
    assert estimated_seconds(30, per_minute=30) == 0
    assert estimated_seconds(61, per_minute=30) == 2 * MINUTE
    assert estimated_seconds(500, per_minute=0) == 0


def test_pacer_slow_down_doubles_pause():
    pacer = Pacer(FakeClock(), per_minute=0)

    pacer.slow_down(1.0)
    pacer.slow_down(1.0)

    assert pacer.extra_delay == 2.0


def test_pacer_calms_down_after_accepted_run():
    pacer = Pacer(FakeClock(), per_minute=0)
    pacer.slow_down(1.0)
    pacer.slow_down(1.0)

    for _ in range(pacing.CALM_AFTER):
        pacer.accepted()
    after_one_run = pacer.extra_delay
    for _ in range(pacing.CALM_AFTER * 3):
        pacer.accepted()

    assert after_one_run == 1.0
    assert pacer.extra_delay == 0.0


def test_pacer_new_throttle_restarts_the_count():
    pacer = Pacer(FakeClock(), per_minute=0)
    pacer.slow_down(1.0)

    for _ in range(pacing.CALM_AFTER - 1):
        pacer.accepted()
    pacer.slow_down(1.0)
    pacer.accepted()

    assert pacer.extra_delay == 2.0


def test_pacer_shared_ledger_limits_two_runs_together(tmp_path):
    """Two runs through one mailbox, each with its own pacer, share the per-minute limit."""
    clock = FakeClock()
    ledger_file = tmp_path / "mailbox.minute.txt"
    first = Pacer(clock, per_minute=10, shared=MinuteLedger(ledger_file, 10, clock))
    second = Pacer(clock, per_minute=10, shared=MinuteLedger(ledger_file, 10, clock))

    times = []
    for _ in range(30):
        for pacer in (first, second):
            pacer.wait()
            times.append(clock.monotonic())

    for index in range(len(times) - 10):
        assert times[index + 10] - times[index] >= MINUTE
    assert times[-1] < 6 * MINUTE


def test_pacer_shared_ledger_wait_ends_on_stop(tmp_path):
    stop = threading.Event()

    class StopWhileWaiting(FakeClock):
        def sleep(self, seconds):
            super().sleep(seconds)
            stop.set()

    clock = StopWhileWaiting()
    MinuteLedger(tmp_path / "mailbox.minute.txt", 1, clock).reserve()  # another run's send
    pacer = Pacer(clock, per_minute=1, shared=MinuteLedger(tmp_path / "mailbox.minute.txt", 1, clock))

    assert pacer.wait(stop) is False
    assert clock.sleeps == [1.0]


def test_minute_ledger_without_limit_writes_nothing(tmp_path):
    ledger = MinuteLedger(tmp_path / "mailbox.minute.txt", 0, FakeClock())

    assert ledger.reserve() == 0.0
    assert not (tmp_path / "mailbox.minute.txt").exists()
