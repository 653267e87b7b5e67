"""Fault tests: every scripted server reply or failure, and the row outcome it leads to.

Each case runs the real CLI against a real SMTP server on 127.0.0.1 whose
replies are scripted for one recipient (yossi@example.org, the second row),
and checks what the server received and what the journal recorded.
"""

from __future__ import annotations

import functools
import json

import pytest

from hypermailer import commands
from hypermailer import journal as events
from hypermailer.engine import Options
from hypermailer.journal import read_entries
from smtpserver import PASSWORD, USERNAME, Faults
from test_cli import csv_send, run_cli, workdir, write_csv, write_mailboxes  # noqa: F401  (workdir is a fixture)

TARGET = "yossi@example.org"
OTHERS = ["dana@example.com", "noa@example.com"]


def journal_entry(workdir, address):
    folder = workdir / "home" / "data" / "journal"
    (path,) = folder.glob("*.jsonl")
    return read_entries(path)[address]


def journal_event(workdir, address):
    return journal_entry(workdir, address).event


def delivered(server):
    return sorted(rcpt[0] for _from, rcpt, _data in server.received)


@pytest.fixture
def fast_retries(monkeypatch):
    """Shorten the engine's backoff so retried cases finish in well under a second."""
    monkeypatch.setattr(commands, "Options", functools.partial(Options, backoff_seconds=0.01,
                                                          throttle_seconds=0.01))


PERMANENT_CASES = {
    "550 at RCPT": Faults(rcpt_replies={TARGET: "550 5.1.1 no such user"}),
    "552 at end of data": Faults(data_replies={TARGET: "552 5.3.4 message too big"}),
    "554 at end of data": Faults(data_replies={TARGET: "554 5.7.1 rejected as spam"}),
}


@pytest.mark.parametrize("faults", PERMANENT_CASES.values(), ids=PERMANENT_CASES.keys())
def test_fault_permanent_reply_fails_only_that_row(workdir, smtp_server, faults):
    server = smtp_server(security="none", auth=False, faults=faults)

    code = csv_send(workdir, server)

    assert code == 1
    assert delivered(server) == OTHERS
    assert journal_event(workdir, TARGET) == events.FAILED


TEMPORARY_CASES = {
    "450 at RCPT": Faults(rcpt_replies={TARGET: "450 4.2.1 mailbox busy"}),
    "451 at RCPT": Faults(rcpt_replies={TARGET: "451 4.3.0 try again later"}),
    "451 at end of data": Faults(data_replies={TARGET: "451 4.3.0 local error"}),
}


@pytest.mark.parametrize("faults", TEMPORARY_CASES.values(), ids=TEMPORARY_CASES.keys())
def test_fault_temporary_reply_fails_after_retries(workdir, smtp_server, faults, fast_retries):
    server = smtp_server(security="none", auth=False, faults=faults)

    code = csv_send(workdir, server)

    assert code == 1
    assert delivered(server) == OTHERS
    assert journal_event(workdir, TARGET) == events.FAILED


def test_fault_refusal_journaled_before_each_retry(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(data_replies={TARGET: "451 4.3.0 local error"}))

    csv_send(workdir, server)
    (path,) = (workdir / "home" / "data" / "journal").glob("*.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    events_for_target = [record["event"] for record in records if record["key"] == TARGET]

    assert events_for_target == [events.ATTEMPT, events.DEFERRED, events.ATTEMPT,
                                 events.DEFERRED, events.ATTEMPT, events.FAILED]


def test_fault_failed_row_listed_with_retry_hint(workdir, smtp_server, capsys, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "451 4.3.0 try again later"}))

    csv_send(workdir, server)
    out = capsys.readouterr().out

    assert f"Row 3 ({TARGET}): Failed" in out
    assert "try again later" in out
    assert "1 row failed; the list above says why." in out
    assert "--retry-failed" in out


def test_fault_failed_reply_keeps_last_server_reply(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "450 4.2.1 mailbox busy"}))

    csv_send(workdir, server)

    assert "mailbox busy" in journal_entry(workdir, TARGET).reply
    assert journal_entry(workdir, TARGET).code == 450


def test_fault_too_many_reply_defers_row(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "452 4.5.3 too many recipients"}))

    code = csv_send(workdir, server)

    assert code == 1
    assert delivered(server) == OTHERS
    assert journal_event(workdir, TARGET) == events.DEFERRED


def test_fault_deferred_row_sent_by_plain_rerun(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "452 4.5.3 too many recipients"}))
    csv_send(workdir, server)
    server.faults.rcpt_replies.clear()

    code = csv_send(workdir, server)

    assert code == 0
    assert delivered(server) == sorted([*OTHERS, TARGET])


def test_fault_failed_row_sent_with_retry_failed(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "451 4.3.0 try again later"}))
    csv_send(workdir, server)
    server.faults.rcpt_replies.clear()

    plain = csv_send(workdir, server)
    delivered_after_plain = delivered(server)
    code = csv_send(workdir, server, "--retry-failed")

    assert plain == 1
    assert delivered_after_plain == OTHERS
    assert code == 0
    assert delivered(server) == sorted([*OTHERS, TARGET])


def test_fault_drop_before_data_retried(workdir, smtp_server, fast_retries):
    server = smtp_server(security="none", auth=False, faults=Faults(drop_before_data=True))

    code = csv_send(workdir, server)

    assert code == 1
    assert server.received == []
    assert journal_event(workdir, TARGET) == events.FAILED


def test_fault_421_at_mail_reconnects_and_delivers(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(mail_replies={2: "421 4.3.2 closing"}))

    code = csv_send(workdir, server)

    assert code == 0
    assert delivered(server) == sorted([*OTHERS, TARGET])
    assert server.connections == 2


def test_fault_stall_past_timeout_is_uncertain(workdir, smtp_server):
    server = smtp_server(security="none", auth=False, faults=Faults(stall_after_data=True))
    csv_file = write_csv(workdir / "list.csv")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, timeout=1)

    code = run_cli("send", csv_file, "--subject", "s", "--body", "b", "--mailbox", "Test",
                   "--mailboxes", mailboxes, "--yes", "--rows", "3")

    assert code == 1
    assert journal_event(workdir, TARGET) == events.UNCERTAIN


def test_fault_tls_failure_stops_run(workdir, smtp_server, tls_ca, capsys):
    server = smtp_server(security="starttls", auth=False, cert_hosts=("other.test",))
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    csv_file = write_csv(workdir / "list.csv")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, ca_file="ca.pem")

    code = run_cli("send", csv_file, "--subject", "s", "--body", "b", "--mailbox", "Test",
                   "--mailboxes", mailboxes, "--yes")

    assert code == 2
    assert server.received == []
    assert "mailbox Test, step TLS:" in capsys.readouterr().err


def test_fault_sender_rejected_stops_run_rows_wait(workdir, smtp_server, capsys):
    quota_reply = "550 5.4.5 Daily user sending limit exceeded"
    server = smtp_server(security="none", auth=False, faults=Faults(mail_replies={2: quota_reply}))

    code = csv_send(workdir, server)
    captured = capsys.readouterr()

    assert code == 2
    assert delivered(server) == ["dana@example.com"]
    assert journal_event(workdir, TARGET) == events.DEFERRED
    assert "mailbox Test, step sender address:" in captured.err
    assert "1 row was not tried" in captured.out


def test_fault_sender_rejected_rows_sent_by_plain_rerun(workdir, smtp_server):
    quota_reply = "550 5.4.5 Daily user sending limit exceeded"
    server = smtp_server(security="none", auth=False, faults=Faults(mail_replies={2: quota_reply}))
    csv_send(workdir, server)
    server.faults.mail_replies.clear()

    code = csv_send(workdir, server)

    assert code == 0
    assert delivered(server) == sorted([*OTHERS, TARGET])


def test_fault_mail_552_fails_only_its_row(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(mail_replies={2: "552 5.3.4 message too big"}))

    csv_send(workdir, server)

    assert delivered(server) == OTHERS
    assert journal_event(workdir, TARGET) == events.FAILED


def test_fault_read_only_workbook_sends_nothing(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")
    workbook = workdir / "sample.xlsm"
    before = workbook.read_bytes()
    workbook.chmod(0o444)

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 2
    assert workbook.read_bytes() == before
    assert not (workdir / "outbox").exists()
    assert "sample.xlsm" in capsys.readouterr().err


def test_fault_corrupted_workbook_clear_error(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes", "--limit", "2")
    workbook = workdir / "sample.xlsm"
    workbook.write_bytes(workbook.read_bytes()[:2000])
    journal_before = {path.name: path.read_bytes()
                      for path in (workdir / "home" / "data" / "journal").glob("*.jsonl")}

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 2
    assert "sample.xlsm" in capsys.readouterr().err
    journal_after = {path.name: path.read_bytes()
                     for path in (workdir / "home" / "data" / "journal").glob("*.jsonl")}
    assert journal_after == journal_before


def test_check_csv_lists_rows_earlier_runs_left_failed(workdir, smtp_server, capsys,
                                                       fast_retries):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={TARGET: "550 5.1.1 no such user"}))
    csv_send(workdir, server)
    capsys.readouterr()

    code = run_cli("check", workdir / "list.csv", "--subject", "s", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", workdir / "mailboxes.toml")
    out = capsys.readouterr().out

    assert code == 0
    assert "sent 2, failed 1" in out
    assert f"Row 3 ({TARGET}): Failed" in out
    assert "no such user" in out


def test_fault_login_unavailable_stops_run_rows_wait(workdir, smtp_server, tls_ca, file_keyring,
                                                     capsys, fast_retries):
    server = smtp_server(security="starttls", auth=True,
                         faults=Faults(auth_reply="454 4.7.0 Temporary authentication failure"))
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", PASSWORD)

    code = run_cli("send", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")
    captured = capsys.readouterr()

    assert code == 2
    assert server.received == []
    assert len(server.auth_attempts) == 3
    assert "mailbox Test, step login:" in captured.err
    assert journal_event(workdir, "dana@example.com") == events.DEFERRED


def test_check_warns_when_message_changed_since_send(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    csv_send(workdir, server)
    capsys.readouterr()

    run_cli("check", workdir / "list.csv", "--subject", "another subject", "--body", "b",
            "--mailbox", "Test", "--mailboxes", workdir / "mailboxes.toml")

    assert "add --new-campaign" in capsys.readouterr().err


def test_moved_csv_warns_about_earlier_campaign(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    csv_send(workdir, server, "--limit", "2")
    moved = workdir / "moved"
    moved.mkdir()
    (workdir / "list.csv").rename(moved / "list.csv")
    capsys.readouterr()

    run_cli("send", moved / "list.csv", "--subject", "שלום {#1}", "--body", "סכום: {#2}",
            "--mailbox", "Test", "--mailboxes", workdir / "mailboxes.toml", "--yes")
    err = capsys.readouterr().err

    assert "2 of these addresses got a message from campaign file-" in err
    assert "run again with --campaign file-" in err


def test_resumed_campaign_gives_no_earlier_campaign_warning(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    csv_send(workdir, server, "--limit", "2")
    capsys.readouterr()

    csv_send(workdir, server)

    assert "in the last week" not in capsys.readouterr().err
