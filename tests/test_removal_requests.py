"""Tests for reading saved "הסר" replies and adding their senders to the suppression list."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from hypermailer import removal_requests, suppression
from hypermailer.cli import main
from hypermailer.mailboxes import builtin_outbox


def reply(sender: str, subject: str, text: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "office@example.com"
    message["Subject"] = subject
    message.set_content(text or "תודה")
    return message


def save_eml(folder: Path, name: str, message: EmailMessage) -> Path:
    path = folder / name
    path.write_bytes(message.as_bytes())
    return path


@pytest.mark.parametrize("subject, text", [
    ("הסר", ""),
    ("Re: הסר", ""),
    ("השב: הסרה", ""),
    ("RE: Re: unsubscribe", ""),
    ("  הסר!  ", ""),
    ("Re: פרסומת: מבצע החורף", "הסר\n\nבתאריך ... כתב/ה:"),
    ("Re: winter sale", "\n\nRemove me\n> quoted"),
])
def test_asks_removal_recognises_requests(subject, text):
    assert removal_requests.asks_removal(reply("dana@example.com", subject, text))


@pytest.mark.parametrize("subject, text", [
    ("Re: פרסומת: מבצע החורף", "תודה, אשמח לפרטים"),
    ("הסרתי את ההזמנה", ""),
    ("Re: winter sale", "Please do not remove my order"),
])
def test_asks_removal_ignores_other_replies(subject, text):
    assert not removal_requests.asks_removal(reply("dana@example.com", subject, text))


def test_scan_reads_eml_folder_and_mbox(tmp_path):
    folder = tmp_path / "replies"
    folder.mkdir()
    save_eml(folder, "1.eml", reply("דנה כהן <dana@example.com>", "Re: הסר"))
    save_eml(folder, "2.eml", reply("avi@example.org", "Re: מבצע", "תודה רבה"))
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    box.add(reply("noa@example.com", "unsubscribe"))
    box.flush()
    box.close()

    found, read = removal_requests.scan([folder, tmp_path / "inbox.mbox"])

    assert read == 3
    assert [(request.address, request.source) for request in found] == [
        ("dana@example.com", "1.eml"), ("noa@example.com", "inbox.mbox #1")]


def test_cli_scan_adds_senders_to_suppression(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HYPERMAILER_LANG", "en")
    eml = save_eml(tmp_path, "reply.eml", reply("Dana@Example.com", "Re: הסר"))

    with pytest.raises(SystemExit) as exit_info:
        main(["unsubscribe", "scan", str(eml)])
    outbox = builtin_outbox()

    assert exit_info.value.code == 0
    assert [entry.address for entry in suppression.read_list(outbox)] == ["dana@example.com"]
    assert suppression.read_list(outbox)[0].source == "reply reply.eml"
    assert "1 added" in capsys.readouterr().out
