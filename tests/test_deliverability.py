"""Tests for the deliverability warnings, on messages built by compose and through check."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

import pytest

from hypermailer.checking import check_campaign
from hypermailer.compose import compose
from hypermailer.deliverability import LARGE_MESSAGE_BYTES, check_message, is_free_mail, is_no_reply
from hypermailer.render import Rendered
from engine_helpers import make_campaign, memory_mailbox

TEXT = ("Hello Dana, here is the summary of your account for this month, with the amounts, the "
        "dates and the people to call if anything looks wrong to you. Thank you.\n")


def message(*, subject="Your account", text=TEXT, html="<html><body><p>Hello</p></body></html>",
            sender="office@example.com", reply_to="", attachments=()):
    rendered = Rendered(subject=subject, text=text, html=html)
    return compose(rendered, sender_address=sender, sender_name="Office",
                   recipient_address="dana@example.com", reply_to=reply_to,
                   attachments=attachments, message_id="<1@example.com>",
                   date=datetime.now(timezone.utc))


def kinds(found) -> list[str]:
    return [finding.kind for finding in found]


def test_check_message_clean():
    assert check_message(message(), memory_mailbox(), size=2000) == []


def test_large_message_warns():
    found = check_message(message(), memory_mailbox(), size=LARGE_MESSAGE_BYTES + 1)

    assert kinds(found) == ["large-message"]
    assert "10.0 MB" in found[0].message


def test_message_over_mailbox_limit_left_to_check():
    mailbox = memory_mailbox(max_message_bytes=LARGE_MESSAGE_BYTES)

    assert check_message(message(), mailbox, size=LARGE_MESSAGE_BYTES + 1) == []


@pytest.mark.parametrize("name", ["setup.exe", "Invoice.PDF.js", "script.vbs", "tool.msi",
                                  "פרוייקט.bat", "run.exe. "])
def test_blocked_attachment_warns(tmp_path, name):
    path = tmp_path / name.strip()
    path.write_bytes(b"MZ")

    found = check_message(message(attachments=[path]), memory_mailbox(), size=2000)

    assert kinds(found) == ["blocked-attachment"]
    assert name.strip() in found[0].message


def test_blocked_file_inside_zip_warns(tmp_path):
    path = tmp_path / "documents.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
        archive.writestr("bin/install.exe", "MZ")
    path.write_bytes(buffer.getvalue())

    found = check_message(message(attachments=[path]), memory_mailbox(), size=2000)

    assert kinds(found) == ["blocked-attachment"]
    assert "bin/install.exe" in found[0].message


def test_harmless_zip_and_pdf_pass(tmp_path):
    archive_path = tmp_path / "documents.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("price-list.pdf", "%PDF-1.4")
    pdf = tmp_path / "price-list.pdf"
    pdf.write_bytes(b"%PDF-1.4")

    assert check_message(message(attachments=[archive_path, pdf]), memory_mailbox(), size=2000) == []


def test_html_without_text_warns():
    found = check_message(message(text="\n"), memory_mailbox(), size=2000)

    assert kinds(found) == ["html-only"]


def test_images_only_warns():
    html = '<html><body><img src="https://example.com/sale.png" alt=""></body></html>'

    found = check_message(message(text="Sale https://example.com/sale\n", html=html),
                          memory_mailbox(), size=2000)

    assert kinds(found) == ["images-only"]


def test_images_with_text_pass():
    html = f'<html><body><p>{TEXT}</p><img src="https://example.com/logo.png"></body></html>'

    assert check_message(message(html=html), memory_mailbox(), size=2000) == []


def test_free_mail_through_other_server_warns():
    mailbox = memory_mailbox(from_address="office.or.yam@gmail.com", host="smtp.example.net")

    found = check_message(message(sender=mailbox.from_address), mailbox, size=2000)

    assert kinds(found) == ["free-mail-from"]
    assert "gmail.com" in found[0].message
    assert "smtp.example.net" in found[0].message


@pytest.mark.parametrize("address, host", [
    ("office.or.yam@gmail.com", "smtp.gmail.com"),
    ("office@outlook.com", "smtp-mail.outlook.com"),
    ("office@hotmail.com", "smtp.office365.com"),
    ("office@example.com", "smtp.example.net"),
])
def test_free_mail_through_own_server_passes(address, host):
    mailbox = memory_mailbox(from_address=address, host=host)

    assert check_message(message(sender=address), mailbox, size=2000) == []


def test_free_mail_in_pickup_mailbox_passes():
    mailbox = memory_mailbox(from_address="office@gmail.com", kind="pickup", host="")

    assert check_message(message(sender=mailbox.from_address), mailbox, size=2000) == []


def test_no_reply_without_reply_to_warns():
    mailbox = memory_mailbox(from_address="no-reply@example.com")

    found = check_message(message(sender=mailbox.from_address), mailbox, size=2000)

    assert kinds(found) == ["no-reply"]


def test_no_reply_with_reply_to_passes():
    mailbox = memory_mailbox(from_address="noreply@example.com")

    found = check_message(message(sender=mailbox.from_address, reply_to="office@example.com"),
                          mailbox, size=2000)

    assert found == []


@pytest.mark.parametrize("address, expected", [
    ("noreply@example.com", True),
    ("no-reply@example.com", True),
    ("No_Reply+news@example.com", True),
    ("donotreply@example.com", True),
    ("do-not-reply@example.com", True),
    ("noreply2@example.com", True),
    ("office@example.com", False),
    ("nora.reply@example.com", False),
    ("noreplying@example.com", False),
])
def test_is_no_reply(address, expected):
    assert is_no_reply(address) is expected


def test_is_free_mail_ignores_case_and_name():
    assert is_free_mail("Dana <Dana@GMAIL.com>")
    assert not is_free_mail("dana@example.com")


@pytest.mark.parametrize("subject", ["BIG SALE TODAY", "FINAL NOTICE: PAY NOW 100%"])
def test_subject_in_capitals_warns(subject):
    assert kinds(check_message(message(subject=subject), memory_mailbox(), size=2000)) == [
        "subject-capitals"]


@pytest.mark.parametrize("subject", ["Invoice 123 from ACME Ltd", "IBM", "מבצע חורף ענק",
                                     "VAT", "Your PDF"])
def test_subject_normal_case_passes(subject):
    assert check_message(message(subject=subject), memory_mailbox(), size=2000) == []


@pytest.mark.parametrize("subject", ["Sale!!", "Buy! Now! Today!", "מבצע!!!"])
def test_subject_exclamations_warn(subject):
    assert kinds(check_message(message(subject=subject), memory_mailbox(), size=2000)) == [
        "subject-exclamations"]


def test_subject_one_exclamation_passes():
    assert check_message(message(subject="Welcome!"), memory_mailbox(), size=2000) == []


def test_check_reports_shared_finding_once():
    campaign = make_campaign([("dana@example.com", "דנה", "100"),
                              ("yossi@example.org", "יוסי", "200")], subject="SALE NOW {#1}")

    report = check_campaign(campaign, memory_mailbox())

    found = [problem for problem in report.problems if problem.kind == "deliverability"]
    assert len(found) == 1
    assert found[0].row is None
    assert found[0].severity == "warning"
    assert "2 rows" in found[0].message
    assert len(report.ready) == 2


def test_check_reports_single_row_finding_on_row():
    campaign = make_campaign([("dana@example.com", "DANA COHEN", "100"),
                              ("yossi@example.org", "יוסי", "200")], subject="{#1}")

    report = check_campaign(campaign, memory_mailbox())

    found = [problem for problem in report.problems if problem.kind == "deliverability"]
    assert [(problem.row, problem.severity) for problem in found] == [(2, "warning")]
    assert found[0].message.startswith("Row 2: ")
