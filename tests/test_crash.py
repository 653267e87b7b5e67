"""Crash test: kill a real ``hypermailer send`` with SIGKILL while it sends, resume, repeat.

A kill counts only when it lands on a live sender in the middle of sending.
So the server has received at least one message of that run, the process was
still running when the signal went out, and rows were still pending after it
died. The test starts runs until the required number of kills has landed,
bounded by a time budget and a maximum number of attempts. Afterwards every
row must have been delivered exactly once, except rows the journal reports as
"may have been sent", which are delivered at most once. The default run needs
5 kills; ``pytest -m slow`` needs 50.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from hypermailer import journal as events
from hypermailer.journal import read_entries

#: How long a run may take to deliver its first message before the test gives up on it.
FIRST_DELIVERY_TIMEOUT = 20.0

#: Seconds per message assumed until a run has been measured.
INITIAL_SECONDS_PER_MESSAGE = 0.001


@dataclass(frozen=True)
class KillPlan:
    """How many kills must land, and the bounds that keep the test from hanging."""

    rows: int
    kills: int
    max_attempts: int
    budget_seconds: float


DEFAULT_PLAN = KillPlan(rows=300, kills=5, max_attempts=15, budget_seconds=90)
SLOW_PLAN = KillPlan(rows=1000, kills=50, max_attempts=80, budget_seconds=260)


@dataclass(frozen=True)
class Attempt:
    """One started run: whether a kill landed mid-send, and its measured sending pace."""

    landed: bool
    delivered: int
    seconds_per_message: float | None


def write_list(folder: Path, rows: int) -> Path:
    lines = ["Email,Name"] + [f"user{index}@example.com,לקוח {index}" for index in range(rows)]
    path = folder / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_mailbox(folder: Path, server, connections: int) -> Path:
    path = folder / "mailboxes.toml"
    path.write_text(f'[mailbox."Crash"]\nfrom_address = "office@example.com"\nkind = "smtp"\n'
                    f'host = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
                    f'connections = {connections}\n', encoding="utf-8")
    return path


def send_command(folder: Path, csv_file: Path, mailboxes: Path) -> list[str]:
    return [sys.executable, "-m", "hypermailer", "send", str(csv_file), "--subject", "שלום {#1}",
            "--body", "גוף {#1}", "--mailbox", "Crash", "--mailboxes", str(mailboxes), "--yes",
            "--campaign", "crash"]


def journal_file(folder: Path) -> Path:
    return folder / "home" / "data" / "journal" / "crash.jsonl"


def pending_rows(folder: Path, rows: int) -> int:
    """Count the rows without a final record in the journal: a later run still sends them."""
    entries = read_entries(journal_file(folder))
    return sum(1 for index in range(rows)
               if getattr(entries.get(f"user{index}@example.com"), "event", None)
               not in events.FINAL)


def kill_delay(chooser: random.Random, pending: int, kills_left: int,
               seconds_per_message: float) -> float:
    """Pick a random delay after the first delivery, short enough to leave rows for later kills.

    Each kill may use about 1/(kills_left + 1) of the pending rows, and the
    pace measured on the last run turns that share into seconds.
    """
    share = pending / (kills_left + 1)
    return chooser.uniform(0.0, share * seconds_per_message)


def wait_for_delivery(server, before: int, process: subprocess.Popen) -> float | None:
    """Wait for the server to receive message number *before* + 1, and return the time it arrived.

    Return None when the run ends or times out without delivering anything.
    """
    deadline = time.monotonic() + FIRST_DELIVERY_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if len(server.received) > before:
            return time.monotonic()
        time.sleep(0.002)
    return time.monotonic() if len(server.received) > before else None


def attempt_kill(command: list[str], env: dict[str, str], server, delay: float) -> Attempt:
    """Start one run, SIGKILL it *delay* seconds after its first delivery, and report."""
    before = len(server.received)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    first = wait_for_delivery(server, before, process)
    if first is not None:
        time.sleep(delay)
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    ended = time.monotonic()
    process.wait(timeout=20)

    delivered = len(server.received) - before
    pace = (ended - first) / (delivered - 1) if first is not None and delivered > 1 else None
    landed = (alive and first is not None and process.returncode == -signal.SIGKILL)
    return Attempt(landed, delivered, pace)


def run_with_kills(folder: Path, server, plan: KillPlan, seed: int,
                   connections: int) -> dict[str, int]:
    """Start and SIGKILL the sender until *plan.kills* kills landed, then let one run finish."""
    chooser = random.Random(seed)
    env = {**os.environ, "HYPERMAILER_HOME": str(folder / "home"), "HYPERMAILER_LANG": "en",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    command = send_command(folder, write_list(folder, plan.rows),
                           write_mailbox(folder, server, connections))
    deadline = time.monotonic() + plan.budget_seconds
    seconds_per_message = INITIAL_SECONDS_PER_MESSAGE
    kills = attempts = 0

    while kills < plan.kills and attempts < plan.max_attempts and time.monotonic() < deadline:
        pending = pending_rows(folder, plan.rows)
        if pending == 0:
            break
        attempts += 1
        delay = kill_delay(chooser, pending, plan.kills - kills, seconds_per_message)
        attempt = attempt_kill(command, env, server, delay)
        # A run killed after its last row leaves no pending rows, so that kill missed the sending.
        if attempt.landed and pending_rows(folder, plan.rows) > 0:
            kills += 1
        if attempt.seconds_per_message is not None:
            seconds_per_message = attempt.seconds_per_message

    final = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert final.returncode in (0, 1), final.stderr.decode("utf-8", "replace")
    return {"kills": kills, "attempts": attempts}


def check_deliveries(folder: Path, server, rows: int) -> dict[str, int]:
    delivered = Counter(rcpt[0] for _from, rcpt, _data in server.received)
    entries = read_entries(journal_file(folder))
    uncertain = {key for key, entry in entries.items()
                 if entry.event in (events.UNCERTAIN, events.ATTEMPT)}
    addresses = [f"user{index}@example.com" for index in range(rows)]
    return {
        "duplicates": sum(1 for address in addresses if delivered[address] > 1),
        "lost": sum(1 for address in addresses
                    if address not in uncertain and delivered[address] != 1),
        "uncertain": len(uncertain),
        "unexpected": sum(1 for address in delivered if address not in addresses),
    }


def crash_and_check(tmp_path, smtp_server, plan: KillPlan, seed: int,
                    connections: int) -> dict[str, int]:
    server = smtp_server(security="none", auth=False)
    started = time.monotonic()
    result = run_with_kills(tmp_path, server, plan, seed, connections)
    result.update(check_deliveries(tmp_path, server, plan.rows))
    result["seconds"] = round(time.monotonic() - started, 1)
    print(f"\ncrash test, {connections} connection(s), {plan.rows} rows: {result}")
    return result


def assert_crash_figures(result: dict[str, int], plan: KillPlan) -> None:
    assert result["kills"] == plan.kills, f"kills landed mid-send: {result}"
    assert result["duplicates"] == 0, f"rows delivered twice: {result}"
    assert result["lost"] == 0, f"rows lost: {result}"
    assert result["unexpected"] == 0, f"messages to addresses not in the list: {result}"


@pytest.mark.parametrize("connections", [1, 3])
def test_crash_resume_delivers_each_row_once(tmp_path, smtp_server, connections):
    result = crash_and_check(tmp_path, smtp_server, DEFAULT_PLAN, seed=2026,
                             connections=connections)

    assert_crash_figures(result, DEFAULT_PLAN)


@pytest.mark.slow
@pytest.mark.parametrize("connections", [1, 3])
def test_crash_resume_fifty_kills(tmp_path, smtp_server, connections):
    result = crash_and_check(tmp_path, smtp_server, SLOW_PLAN, seed=50, connections=connections)

    assert_crash_figures(result, SLOW_PLAN)
