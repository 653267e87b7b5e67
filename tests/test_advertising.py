"""Tests for advertising mode: subject prefix, the advertiser's footer, required details, consent."""

from __future__ import annotations

from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import openpyxl
import pytest

from hypermailer import advertising, i18n
from hypermailer.campaign import Campaign
from hypermailer.checking import build_message, check_campaign
from hypermailer.cli import main
from hypermailer.compose import message_bytes
from hypermailer.errors import ConfigurationError, WorkbookError
from hypermailer.workbook.build import build_workbook
from hypermailer.workbook.reader import read_campaign
from engine_helpers import make_campaign, make_table, memory_mailbox

BUSINESS = dict(business_name="אור ים בע״מ", business_address="רחוב הדוגמה 12, תל אביב",
                business_phone="03-5550100")
URL = "https://example.com/unsubscribe?e={address}"


def advertiser(**changes):
    return memory_mailbox(**{**BUSINESS, **changes})


def built(campaign: Campaign, mailbox):
    report = check_campaign(campaign, mailbox)
    assert not report.errors, [problem.message for problem in report.errors]
    message = build_message(campaign, mailbox, report.templates, report.ready[0],
                            message_id="<1@example.com>", date=datetime.now(timezone.utc))
    return BytesParser(policy=policy.default).parsebytes(message_bytes(message))


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize("subject, expected", [
    ("מבצע חורף", "פרסומת: מבצע חורף"),
    ("Winter sale", "פרסומת: Winter sale"),
    ("פרסומת: מבצע חורף", "פרסומת: מבצע חורף"),
    ("פרסומת - מבצע", "פרסומת - מבצע"),
    ("\u200fפרסומת מבצע", "\u200fפרסומת מבצע"),
    ("פרסומת", "פרסומת"),
    ("פרסומתי הגדול", "פרסומת: פרסומתי הגדול"),
    ("", "פרסומת"),
])
def test_with_prefix_cases(subject, expected):
    assert advertising.with_prefix(subject) == expected


def test_footer_text_names_sender_and_refusal():
    footer = advertising.footer_text(advertiser(), language="en", reply_to="office@example.com")

    assert "אור ים בע״מ" in footer
    assert "רחוב הדוגמה 12, תל אביב" in footer
    assert "03-5550100" in footer
    assert "office@example.com" in footer
    assert '"unsubscribe"' in footer
    assert "any time" in footer


def test_footer_text_in_hebrew_campaign():
    footer = advertising.footer_text(advertiser(), language="he", reply_to="office@example.com")

    assert '"הסר"' in footer
    assert "Advertisement" not in footer


def test_footer_hebrew_whatever_interface_language():
    i18n.set_language("en")

    footer = advertising.footer_text(advertiser(), language="he", reply_to="office@example.com")

    assert "Advertisement" not in footer


def test_footer_with_url_links_it():
    url = "https://example.com/u?e=dana%40example.com&t=1"

    html = advertising.footer_html(advertiser(), language="en", reply_to="office@example.com",
                                   url=url)

    assert '<a href="https://example.com/u?e=dana%40example.com&amp;t=1">' in html
    assert advertising.footer_text(advertiser(), language="en", reply_to="office@example.com",
                                   url=url).rstrip().endswith(url)


def test_footer_html_escapes_details():
    mailbox = advertiser(business_name='<script>alert("x")</script> & Co')

    html = advertising.footer_html(mailbox, language="en", reply_to="office@example.com")

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; Co" in html


def test_footer_html_right_to_left_for_hebrew():
    html = advertising.footer_html(advertiser(), language="he", reply_to="office@example.com")

    assert html.startswith('<div dir="rtl" lang="he"')


def test_message_in_advertising_mode():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    message = built(campaign, advertiser())

    assert str(message["Subject"]) == "פרסומת: שלום דנה"
    assert "אור ים בע״מ" in text_of(message)
    assert '"הסר"' in text_of(message)
    assert "אור ים בע״מ" in html_of(message)
    assert html_of(message).rstrip().endswith("</html>")


def test_message_without_advertising_mode():
    campaign = make_campaign([("dana@example.com", "דנה", "100")])

    message = built(campaign, advertiser())

    assert str(message["Subject"]) == "שלום דנה"
    assert "אור ים בע״מ" not in text_of(message)
    assert message["List-Unsubscribe"] is not None


def test_message_footer_links_unsubscribe_url():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    message = built(campaign, advertiser(unsubscribe_url=URL))

    assert "https://example.com/unsubscribe?e=dana@example.com" in text_of(message)
    assert 'href="https://example.com/unsubscribe?e=dana@example.com"' in html_of(message)


@pytest.mark.parametrize("missing, words", [
    ("business_name", "business name is empty"),
    ("business_address", "business address is empty"),
])
def test_check_refuses_missing_detail(missing, words):
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    report = check_campaign(campaign, advertiser(**{missing: " "}))

    assert report.fatal
    assert any(words in problem.message for problem in report.errors)
    assert not report.ready


def test_check_refuses_no_reply_without_phone():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)
    mailbox = advertiser(from_address="no-reply@example.com", business_phone="",
                         unsubscribe_url=URL)

    report = check_campaign(campaign, mailbox)

    assert [problem.kind for problem in report.errors] == ["advertiser-details"]
    assert "no-reply" in report.errors[0].message


def test_check_refuses_no_reply_without_url():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    report = check_campaign(campaign, advertiser(from_address="noreply@example.com"))

    assert report.fatal
    assert "replies go to the no-reply address" in report.errors[0].message


def test_check_accepts_no_reply_with_reply_to():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True,
                             reply_to="sales@example.com")

    report = check_campaign(campaign, advertiser(from_address="noreply@example.com"))

    assert not report.errors


def test_check_ignores_details_outside_advertising_mode():
    campaign = make_campaign([("dana@example.com", "דנה", "100")])

    report = check_campaign(campaign, memory_mailbox())

    assert not report.errors


def test_build_message_raises_on_missing_detail():
    campaign = make_campaign([("dana@example.com", "דנה", "100")])
    report = check_campaign(campaign, memory_mailbox())
    advertisement = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    with pytest.raises(ConfigurationError, match="business name"):
        build_message(advertisement, memory_mailbox(), report.templates, report.ready[0],
                      message_id="<1@example.com>", date=datetime.now(timezone.utc))


def test_check_warns_without_consent_column():
    campaign = make_campaign([("dana@example.com", "דנה", "100")], advertisement=True)

    report = check_campaign(campaign, advertiser())

    assert [problem.kind for problem in report.problems] == ["no-consent-column"]
    assert report.problems[0].severity == "warning"
    assert len(report.ready) == 1


def test_check_warns_about_rows_without_consent():
    table = make_table([("dana@example.com", "דנה", "100", "01/02/2024 טופס באתר"),
                        ("yossi@example.org", "יוסי", "200", " ")],
                       header=("Email", "Name", "Amount", "הסכמה"))
    campaign = Campaign(table=table, subject="שלום {#1}", body="סכום: {#2}", advertisement=True)

    report = check_campaign(campaign, advertiser())

    assert [(problem.row, problem.kind) for problem in report.problems] == [(3, "no-consent")]
    assert "הסכמה" in report.problems[0].message
    assert len(report.ready) == 2


def test_consent_columns_in_either_language():
    header = ("Email", "Consent  Date", "מקור הסכמה", "Name")

    assert advertising.consent_columns(header) == ["Consent  Date", "מקור הסכמה"]


def test_consent_column_keeps_field_numbers():
    table = make_table([("dana@example.com", "yes", "דנה")], header=("Email", "Consent", "Name"))
    campaign = Campaign(table=table, subject="שלום {#2}", body="x", advertisement=True)

    message = built(campaign, advertiser())

    assert str(message["Subject"]) == "פרסומת: שלום דנה"


def test_workbook_advertisement_cell(tmp_path):
    path = tmp_path / "book.xlsx"
    build_workbook(path, language="he")
    assert not read_campaign(path).advertisement

    book = openpyxl.load_workbook(path)
    sheet_title, reference = next(iter(book.defined_names["Advertisement"].destinations))
    book[sheet_title][reference.replace("$", "")] = "כן"
    book.save(path)

    assert read_campaign(path).advertisement


def test_workbook_advertisement_cell_invalid(tmp_path):
    path = tmp_path / "book.xlsx"
    build_workbook(path, language="en")
    book = openpyxl.load_workbook(path)
    sheet_title, reference = next(iter(book.defined_names["Advertisement"].destinations))
    book[sheet_title][reference.replace("$", "")] = "maybe"
    book.save(path)

    with pytest.raises(WorkbookError, match="Advertisement cell contains 'maybe'"):
        read_campaign(path)


def test_workbook_sample_mailbox_has_business_details(tmp_path):
    path = tmp_path / "book.xlsx"
    build_workbook(path, language="en")

    mailbox = read_campaign(path).mailboxes[0]

    assert mailbox.business_name == "Or Yam Office Services Ltd."
    assert mailbox.business_address == "12 Example Street, Tel Aviv"
    assert mailbox.business_phone == "03-5550100"


def test_cli_send_advertisement_option(tmp_path, monkeypatch):
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    path = tmp_path / "book.xlsm"
    build_workbook(path, language="he")

    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "en", "send", str(path), "--yes", "--advertisement"])

    assert exit_info.value.code == 0
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 5
    message = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert str(message["Subject"]).startswith("פרסומת: ")
    assert "אור ים שירותי משרד בע״מ" in text_of(message)


def test_cli_refuses_advertisement_without_details(tmp_path, monkeypatch):
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    path = tmp_path / "data.csv"
    path.write_text("Email,Name\ndana@example.com,דנה\n", encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "en", "send", str(path), "--yes", "--advertisement",
              "--subject", "Sale", "--body", "Hello {#1}"])

    assert exit_info.value.code == 2
    assert not (tmp_path / "home" / "data" / "outbox").exists()
