"""Crash test: kill a real ``hypermailer send`` with SIGKILL at random moments, resume, repeat.

Afterwards every row must have been delivered exactly once, except rows the
journal reports as "may have been sent", which are delivered at most once.
The default run kills 5 times; ``pytest -m slow`` kills 50 times.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hypermailer import journal as events
from hypermailer.journal import read_entries



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


def run_with_kills(folder: Path, server, rows: int, kills: int, seed: int,
                   connections: int) -> int:
    """Start and SIGKILL the sender *kills* times, then let one run finish; return kills done."""
    chooser = random.Random(seed)
    env = {**os.environ, "HYPERMAILER_HOME": str(folder / "home"), "HYPERMAILER_LANG": "en",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    command = send_command(folder, write_list(folder, rows), write_mailbox(folder, server, connections))
    killed = 0
    for _ in range(kills):
        before = len(server.received)
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Wait until this run has delivered something, then kill it a little later.
        deadline = time.monotonic() + 20
        while len(server.received) == before and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        time.sleep(chooser.uniform(0.0, 0.15))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=20)
    final = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert final.returncode in (0, 1), final.stderr.decode("utf-8", "replace")
    return killed


def check_deliveries(folder: Path, server, rows: int) -> dict[str, int]:
    delivered = Counter(rcpt[0] for _from, rcpt, _data in server.received)
    entries = read_entries(folder / "home" / "data" / "journal" / "crash.jsonl")
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


def crash_and_check(tmp_path, smtp_server, rows: int, kills: int, seed: int,
                    connections: int = 1) -> dict[str, int]:
    server = smtp_server(security="none", auth=False)
    killed = run_with_kills(tmp_path, server, rows, kills, seed, connections)
    result = check_deliveries(tmp_path, server, rows)
    result["killed"] = killed
    return result


@pytest.mark.parametrize("connections", [1, 3])
def test_crash_resume_delivers_each_row_once(tmp_path, smtp_server, connections):
    result = crash_and_check(tmp_path, smtp_server, rows=300, kills=5, seed=2026,
                             connections=connections)

    assert result["killed"] >= 3
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["unexpected"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("connections", [1, 3])
def test_crash_resume_fifty_kills(tmp_path, smtp_server, connections):
    result = crash_and_check(tmp_path, smtp_server, rows=2000, kills=50, seed=50,
                             connections=connections)
    print(f"crash test result: {result}")

    assert result["killed"] >= 40
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["unexpected"] == 0
