"""Measure HyperMailer's send path against the raw-smtplib floor, in one process.

Both runs deliver the same number of messages to the same local aiosmtpd
server on 127.0.0.1 over one plain connection. The floor sends pre-built
message bytes with ``smtplib.SMTP.sendmail``; HyperMailer runs check,
render, compose, journal and its SMTP transport. The result is a ratio, so
the machine's speed cancels out.

Run: ``python bench/bench_send.py [ROWS] [--memory]`` (default 1000 rows).
``--memory`` also reports the peak traced memory, which slows the run.
"""

from __future__ import annotations

import smtplib
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import trustme

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from engine_helpers import make_campaign, memory_mailbox  # noqa: E402  (path set just above)
from smtpserver import SmtpTestServer  # noqa: E402

from hypermailer.campaign import Security  # noqa: E402
from hypermailer.checking import build_message, check_campaign  # noqa: E402
from hypermailer.compose import message_bytes, new_message_id  # noqa: E402
from hypermailer.engine import send_campaign  # noqa: E402
from hypermailer.journal import Journal  # noqa: E402
from hypermailer.transports.smtp import SmtpTransport  # noqa: E402

TRACE = "--memory" in sys.argv

BODY = ("שלום {{ Name }},\n\nהסכום לתשלום הוא {#2}. תודה שבחרת בנו.\n"
        "Dear {#1}, the amount due is {#2}.\n")


def campaign_rows(count: int):
    return [(f"user{i}@example.com", f"לקוח {i}", 1000 + i) for i in range(count)]


def floor_seconds(server, messages: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP(server.host, server.port) as client:
        for address, data in messages:
            client.sendmail("office@example.com", [address], data)
    return time.perf_counter() - start


def hypermailer_seconds(server, campaign, mailbox, folder: Path) -> float:
    start = time.perf_counter()
    report = check_campaign(campaign, mailbox)
    transport = SmtpTransport(mailbox, password=None)
    with Journal(folder, "bench") as journal:
        summary = send_campaign(campaign, mailbox, report, transport, journal)
    elapsed = time.perf_counter() - start
    assert summary.sent == len(campaign.table.rows), summary
    return elapsed


def main(count: int) -> None:
    server = SmtpTestServer(trustme.CA(), security="none", auth=False)
    server.start()
    try:
        campaign = make_campaign(campaign_rows(count), subject="חשבון {#1}", body=BODY)
        mailbox = memory_mailbox(host=server.host, port=server.port, security=Security.NONE)
        report = check_campaign(campaign, mailbox)
        prebuilt = [(recipient.address, message_bytes(build_message(
            campaign, mailbox, report.templates, recipient,
            message_id=new_message_id(mailbox.from_address), date=datetime.now(timezone.utc))))
            for recipient in report.ready]

        floor = floor_seconds(server, prebuilt)
        peak = 0
        with tempfile.TemporaryDirectory() as folder:
            if TRACE:
                tracemalloc.start()
            ours = hypermailer_seconds(server, campaign, mailbox, Path(folder))
            if TRACE:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
    finally:
        server.stop()

    print(f"messages: {count}")
    print(f"raw smtplib floor: {floor:.2f} s ({count / floor:.0f} msg/s)")
    print(f"hypermailer send:  {ours:.2f} s ({count / ours:.0f} msg/s)")
    print(f"ratio hypermailer/floor: {ours / floor:.2f}")
    if TRACE:
        # tracemalloc slows Python several times over, so the times above are not comparable.
        print(f"peak traced memory during hypermailer run: {peak / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    numbers = [argument for argument in sys.argv[1:] if argument.isdigit()]
    main(int(numbers[0]) if numbers else 1000)
