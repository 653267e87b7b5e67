"""Tests for hypermailer.compose: every message is parsed back with the standard parser."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from hypermailer.campaign import BodyFormat
from hypermailer.compose import compose, message_bytes, new_message_id
from hypermailer.render import Rendered, compile_templates, render

DATE = datetime(2025, 3, 9, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))
MESSAGE_ID = "<4f1c2d@example.org>"
EVIL = "x\r\nBcc: evil@example.org"
HEBREW_TEXT = "שלום דנה,\n\nהחשבונית לחודש מרץ מצורפת. תודה שבחרת בנו.\n"
ENGLISH_TEXT = "Hello Dana,\n\nYour March invoice is attached. Thank you.\n"


def rendered(subject: str = "Your invoice", text: str = ENGLISH_TEXT, html: str = "") -> Rendered:
    return Rendered(subject=subject, text=text, html=html or f"<!DOCTYPE html>\n<p>{text}</p>\n")


def build(content: Rendered | None = None, **options: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "sender_address": "news@example.org",
        "sender_name": "Acme News",
        "recipient_address": "dana@example.org",
        "message_id": MESSAGE_ID,
        "date": DATE,
    }
    arguments.update(options)
    return compose(content or rendered(), **arguments)


def wire(message: EmailMessage) -> bytes:
    return message_bytes(message)


def parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)


def header_block(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def body_part(message: EmailMessage, subtype: str) -> EmailMessage:
    return next(part for part in message.walk() if part.get_content_type() == f"text/{subtype}")


def decoded_text(message: EmailMessage, subtype: str) -> str:
    """Return the text of the text/<subtype> part with LF line endings.

    MIME text travels in canonical form with CRLF line breaks, inside base64
    too, so the parser returns CRLF where the rendered text has LF.
    """
    return body_part(message, subtype).get_content().replace("\r\n", "\n")


def raw_header(data: bytes, name: str) -> str:
    """Return the folded value of header *name*, as on the wire."""
    unfolded = header_block(data).decode("ascii").replace("\r\n ", " ")
    for line in unfolded.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} header")


# --- structure ------------------------------------------------------------------

def test_compose_is_multipart_alternative():
    assert parse(wire(build())).get_content_type() == "multipart/alternative"


def test_compose_alternative_parts_in_order():
    parts = [part.get_content_type() for part in parse(wire(build())).iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_compose_with_attachment_is_mixed(tmp_path: Path):
    attachment = tmp_path / "invoice.pdf"
    attachment.write_bytes(b"%PDF-1.4 data")
    assert parse(wire(build(attachments=[attachment]))).get_content_type() == "multipart/mixed"


def test_compose_mixed_contains_alternative(tmp_path: Path):
    attachment = tmp_path / "invoice.pdf"
    attachment.write_bytes(b"%PDF-1.4 data")
    parts = [part.get_content_type() for part in parse(wire(build(attachments=[attachment]))).iter_parts()]
    assert parts == ["multipart/alternative", "application/pdf"]


def test_compose_text_part_content():
    assert decoded_text(parse(wire(build())), "plain") == ENGLISH_TEXT


def test_compose_html_part_content():
    html = "<!DOCTYPE html>\n<p>Hello</p>\n"
    assert decoded_text(parse(wire(build(rendered(html=html)))), "html") == html


def test_compose_uses_no_legacy_mime_classes():
    source = Path(__file__).parents[1].joinpath("addin", "hypermailer", "compose.py").read_text("utf-8")
    assert "email.mime" not in source


def test_compose_mime_version_only_on_top():
    assert wire(build()).count(b"MIME-Version:") == 1


# --- wire format ---------------------------------------------------------------

def wire_samples(tmp_path: Path) -> list[bytes]:
    attachment = tmp_path / "חשבונית מרץ.pdf"
    attachment.write_bytes(bytes(range(256)) * 40)
    long_hebrew = "ש" * 5000
    return [
        wire(build()),
        wire(build(rendered("שלום דנה " * 20, HEBREW_TEXT, f"<p>{HEBREW_TEXT}</p>"),
                   sender_name="חברת דוגמה בע\"מ - מחלקת שירות לקוחות ארצית",
                   recipient_name="דנה כהן-לוי", attachments=[attachment])),
        wire(build(rendered("x" * 300, "a" * 5000 + "\n" + long_hebrew, long_hebrew))),
    ]


def test_compose_output_is_seven_bit(tmp_path: Path):
    for data in wire_samples(tmp_path):
        assert data.isascii()


def test_compose_lines_end_with_crlf_only(tmp_path: Path):
    for data in wire_samples(tmp_path):
        assert re.search(rb"\r(?!\n)|(?<!\r)\n", data) is None


def test_compose_lines_within_998_octets(tmp_path: Path):
    for data in wire_samples(tmp_path):
        assert max(len(line) for line in data.split(b"\r\n")) <= 998


def test_compose_header_lines_within_78(tmp_path: Path):
    for data in wire_samples(tmp_path):
        assert max(len(line) for line in header_block(data).split(b"\r\n")) <= 78


def test_compose_part_header_lines_within_78(tmp_path: Path):
    for data in wire_samples(tmp_path):
        part_headers = re.findall(rb"\r\n--=+[0-9]+==\r\n(.*?)\r\n\r\n", data, re.DOTALL)
        assert max(len(line) for block in part_headers for line in block.split(b"\r\n")) <= 78


def test_compose_message_bytes_uses_crlf():
    assert b"\r\nSubject: Your invoice\r\n" in wire(build())


# --- transfer encodings ----------------------------------------------------------

def test_compose_hebrew_text_is_base64():
    message = parse(wire(build(rendered(text=HEBREW_TEXT))))
    assert body_part(message, "plain")["Content-Transfer-Encoding"] == "base64"


def test_compose_english_text_is_quoted_printable():
    message = parse(wire(build(rendered(text=ENGLISH_TEXT))))
    assert body_part(message, "plain")["Content-Transfer-Encoding"] == "quoted-printable"


def test_compose_mostly_ascii_html_is_quoted_printable():
    html = "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"></head>\n<body><p>שלום</p></body>\n</html>\n"
    message = parse(wire(build(rendered(html=html))))
    assert body_part(message, "html")["Content-Transfer-Encoding"] == "quoted-printable"


def test_compose_never_eight_bit(tmp_path: Path):
    for data in wire_samples(tmp_path):
        assert b"Content-Transfer-Encoding: 8bit" not in data


def test_compose_long_ascii_line_survives():
    text = "a" * 2500 + "b" * 2500 + "\n"
    message = parse(wire(build(rendered(text=text))))
    assert decoded_text(message, "plain") == text


def test_compose_long_hebrew_line_survives():
    text = "אבגדהוזחטי" * 500 + "\n"
    message = parse(wire(build(rendered(text=text))))
    assert decoded_text(message, "plain") == text


def test_compose_long_mixed_html_line_survives():
    html = "<p>" + "word מילה " * 500 + "</p>\n"
    message = parse(wire(build(rendered(html=html))))
    assert decoded_text(message, "html") == html


# --- headers -------------------------------------------------------------------

def test_compose_hebrew_subject_round_trip():
    subject = 'חשבונית מס מספר 123 – דוגמה בע"מ'
    assert parse(wire(build(rendered(subject)))).get("Subject") == subject


def test_compose_long_hebrew_subject_round_trip():
    subject = "עדכון חשוב לגבי החשבון שלך בחברת דוגמה " * 4
    assert parse(wire(build(rendered(subject)))).get("Subject") == subject.strip()


def test_compose_hebrew_subject_encoded_word():
    assert raw_header(wire(build(rendered("שלום"))), "Subject").startswith("=?utf-8?")


def test_compose_hebrew_recipient_name_round_trip():
    message = parse(wire(build(recipient_name="דנה כהן")))
    assert message["To"].addresses[0].display_name == "דנה כהן"


def test_compose_hebrew_sender_name_round_trip():
    message = parse(wire(build(sender_name='דוגמה בע"מ')))
    assert message["From"].addresses[0].display_name == 'דוגמה בע"מ'


def test_compose_long_hebrew_sender_name_decodes_exactly():
    # A long name takes several encoded-words. CPython 3.11's policy.default
    # parser inserts a space between adjacent encoded-words in a display name
    # (CPython gh-128110), so this checks with the RFC 2047 decoder instead.
    name = 'חברת דוגמה בע"מ - מחלקת שיווק ומכירות ארצית'
    value = raw_header(wire(build(sender_name=name)), "From")
    assert str(make_header(decode_header(value))) == f"{name} <news@example.org>"


def test_compose_display_name_with_comma_and_quotes():
    name = 'Cohen, Dana "Dee"'
    message = parse(wire(build(recipient_name=name)))
    assert message["To"].addresses[0].display_name == name


def test_compose_from_header():
    message = parse(wire(build()))
    assert message["From"].addresses[0] == parse(b"From: Acme News <news@example.org>\r\n\r\n")["From"].addresses[0]


def test_compose_to_only_recipient():
    message = parse(wire(build(recipient_name="Dana")))
    assert [address.addr_spec for address in message["To"].addresses] == ["dana@example.org"]


def test_compose_no_cc_by_default():
    assert parse(wire(build()))["Cc"] is None


def test_compose_per_row_cc():
    message = parse(wire(build(cc=["boss@example.org", "Office <office@example.org>"])))
    assert [address.addr_spec for address in message["Cc"].addresses] == ["boss@example.org", "office@example.org"]


def test_compose_cc_display_names_encoded():
    message = parse(wire(build(cc=["moshe@example.org", "boss@example.org"],
                               cc_names=["לוי, משה", ""])))

    addresses = message["Cc"].addresses
    assert [(address.display_name, address.addr_spec) for address in addresses] == [
        ("לוי, משה", "moshe@example.org"), ("", "boss@example.org")]


def test_compose_never_bcc_header():
    assert parse(wire(build(cc=["boss@example.org"])))["Bcc"] is None


def test_compose_date_header():
    assert parse(wire(build()))["Date"].datetime == DATE


def test_compose_date_header_format():
    assert raw_header(wire(build()), "Date") == "Sun, 09 Mar 2025 14:30:05 +0200"


def test_compose_naive_date_rejected():
    with pytest.raises(ValueError):
        build(date=datetime(2025, 3, 9, 14, 30))


def test_compose_message_id_header():
    assert parse(wire(build()))["Message-ID"] == MESSAGE_ID


def test_compose_invalid_message_id_rejected():
    with pytest.raises(ValueError):
        build(message_id="no-angle-brackets@example.org")


def test_compose_reply_to_header():
    message = parse(wire(build(reply_to="Sales <sales@example.org>")))
    assert message["Reply-To"].addresses[0].addr_spec == "sales@example.org"


def test_compose_reply_to_display_name():
    message = parse(wire(build(reply_to="מכירות <sales@example.org>")))
    assert message["Reply-To"].addresses[0].display_name == "מכירות"


def test_compose_no_reply_to_by_default():
    assert parse(wire(build()))["Reply-To"] is None


def test_compose_mime_version_header():
    assert parse(wire(build()))["MIME-Version"] == "1.0"


def test_compose_idn_recipient_domain_in_idna():
    data = wire(build(recipient_address="dana@דוגמה.קום"))
    assert raw_header(data, "To") == "dana@xn--6dbbec0c.xn--9dbq2a"


def test_compose_idn_sender_domain_in_idna():
    data = wire(build(sender_address="news@bücher.example", sender_name=""))
    assert raw_header(data, "From") == "news@xn--bcher-kva.example"


def test_compose_non_ascii_local_part_rejected():
    with pytest.raises(ValueError):
        build(recipient_address="דנה@example.org")


def test_compose_invalid_recipient_rejected():
    with pytest.raises(ValueError):
        build(recipient_address="dana@@example.org")


def test_compose_two_recipients_in_one_field_rejected():
    with pytest.raises(ValueError):
        build(recipient_address="dana@example.org, eve@example.org")


def test_compose_extra_headers_added():
    message = parse(wire(build(extra_headers={"X-Campaign": "spring-2025"})))
    assert message["X-Campaign"] == "spring-2025"


def test_compose_list_unsubscribe_not_encoded():
    url = "https://example.org/unsubscribe?token=" + "a1b2c3d4" * 15
    value = f"<{url}>, <mailto:unsubscribe@example.org>"
    data = wire(build(extra_headers={"List-Unsubscribe": value}))
    assert raw_header(data, "List-Unsubscribe") == value


def test_compose_list_unsubscribe_round_trip():
    value = "<https://example.org/u?t=" + "x" * 120 + ">"
    message = parse(wire(build(extra_headers={"List-Unsubscribe": value})))
    assert message["List-Unsubscribe"] == value


def test_compose_extra_bcc_rejected():
    with pytest.raises(ValueError):
        build(extra_headers={"Bcc": "evil@example.org"})


def test_compose_extra_header_cannot_replace_to():
    with pytest.raises(ValueError):
        build(extra_headers={"to": "evil@example.org"})


def test_compose_extra_header_name_with_colon_rejected():
    with pytest.raises(ValueError):
        build(extra_headers={"X-A: b\r\nBcc": "evil@example.org"})


# --- header injection --------------------------------------------------------------

EXPECTED_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]


def test_compose_injection_in_subject_adds_no_header():
    message = parse(wire(build(rendered(EVIL))))
    assert message.keys() == EXPECTED_HEADERS


def test_compose_injection_in_subject_kept_as_text():
    assert parse(wire(build(rendered(EVIL))))["Subject"] == "x Bcc: evil@example.org"


def test_compose_injection_in_recipient_name_adds_no_header():
    message = parse(wire(build(recipient_name=EVIL)))
    assert message.keys() == EXPECTED_HEADERS


def test_compose_injection_in_recipient_name_keeps_one_recipient():
    message = parse(wire(build(recipient_name=EVIL)))
    assert [address.addr_spec for address in message["To"].addresses] == ["dana@example.org"]


def test_compose_injection_in_sender_name_adds_no_header():
    message = parse(wire(build(sender_name=EVIL)))
    assert message.keys() == EXPECTED_HEADERS


def test_compose_injection_in_sender_name_keeps_sender():
    message = parse(wire(build(sender_name=EVIL)))
    assert [address.addr_spec for address in message["From"].addresses] == ["news@example.org"]


def test_compose_injection_in_reply_to_rejected():
    with pytest.raises(ValueError):
        build(reply_to="sales@example.org\r\nBcc: evil@example.org")


def test_compose_injection_in_reply_to_name_rejected():
    with pytest.raises(ValueError):
        build(reply_to="Sales\r\nBcc: evil@example.org <sales@example.org>")


def test_compose_injection_in_recipient_address_rejected():
    with pytest.raises(ValueError):
        build(recipient_address="dana@example.org\r\nBcc: evil@example.org")


def test_compose_extra_header_injection_blocked():
    message = parse(wire(build(extra_headers={"X-Campaign": EVIL})))
    assert message.keys() == EXPECTED_HEADERS[:5] + ["X-Campaign"] + EXPECTED_HEADERS[5:]


def test_compose_control_characters_become_spaces():
    assert parse(wire(build(rendered("a\tb\x00c\u2028d"))))["Subject"] == "a b c d"


def test_compose_bare_cr_in_subject_adds_no_header():
    message = parse(wire(build(rendered("x\rBcc: evil@example.org"))))
    assert message["Bcc"] is None


# --- attachments -------------------------------------------------------------------

def attachment_parts(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())


def test_compose_attachment_type_from_name(tmp_path: Path):
    path = tmp_path / "price list.pdf"
    path.write_bytes(b"%PDF-1.4")
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_content_type() == "application/pdf"


def test_compose_attachment_unknown_type(tmp_path: Path):
    path = tmp_path / "data.hmunknown"
    path.write_bytes(b"\x00\x01")
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_content_type() == "application/octet-stream"


def test_compose_compressed_attachment_is_octet_stream(tmp_path: Path):
    path = tmp_path / "archive.tar.gz"
    path.write_bytes(b"\x1f\x8b")
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_content_type() == "application/octet-stream"


def test_compose_attachment_content_round_trip(tmp_path: Path):
    data = bytes(range(256)) * 10
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_content() == data


def test_compose_text_attachment_bytes_unchanged(tmp_path: Path):
    data = "שורה אחת\r\nline two\n".encode("utf-8")
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_payload(decode=True) == data


def test_compose_hebrew_file_name_rfc2231(tmp_path: Path):
    path = tmp_path / "חשבונית.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert b"filename*=utf-8''%D7%97" in wire(build(attachments=[path]))


def test_compose_hebrew_file_name_round_trip(tmp_path: Path):
    path = tmp_path / "חשבונית מרץ 2025.pdf"
    path.write_bytes(b"%PDF-1.4")
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_filename() == "חשבונית מרץ 2025.pdf"


def test_compose_long_hebrew_file_name_round_trip(tmp_path: Path):
    name = "חשבונית מס קבלה מספר 12345 לחודש ינואר שנת 2025 עבור לקוח.pdf"
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4")
    part = attachment_parts(parse(wire(build(attachments=[path]))))[0]
    assert part.get_filename() == name


def test_compose_several_attachments_in_order(tmp_path: Path):
    paths = [tmp_path / "a.pdf", tmp_path / "b.png"]
    for path in paths:
        path.write_bytes(b"x")
    parts = attachment_parts(parse(wire(build(attachments=paths))))
    assert [part.get_filename() for part in parts] == ["a.pdf", "b.png"]


def test_compose_missing_attachment_raises(tmp_path: Path):
    with pytest.raises(OSError):
        build(attachments=[tmp_path / "missing.pdf"])


# --- Message-ID ----------------------------------------------------------------------

def test_new_message_id_form():
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", new_message_id("news@example.org"))


def test_new_message_id_idna_domain():
    assert new_message_id("news@דוגמה.קום").endswith("@xn--6dbbec0c.xn--9dbq2a>")


def test_new_message_id_unique():
    assert new_message_id("news@example.org") != new_message_id("news@example.org")


def test_new_message_id_accepted_by_compose():
    message_id = new_message_id("news@example.org")
    assert parse(wire(build(message_id=message_id)))["Message-ID"] == message_id


# --- end to end: Hebrew and right-to-left ---------------------------------------------

@dataclass(frozen=True)
class Recipient:
    row: int
    address: str
    display_name: str
    fields: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    cc: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = ()
    key: str = ""


def hebrew_message(body_format: BodyFormat, body: str) -> tuple[Rendered, EmailMessage]:
    header = ("אימייל", "שם", "חברה")
    person = Recipient(row=2, address="dana@example.org", display_name="דנה",
                       fields=("dana@example.org", "דנה", 'דוגמה בע"מ'))
    templates = compile_templates("שלום {#1} מ{{ חברה }}", body, body_format, header)
    content = render(templates, person)
    message = parse(wire(build(content, recipient_name=person.display_name, sender_name="חברת דוגמה")))
    return content, message


HEBREW_BODY = "שלום {#1},\n\nהחשבונית של {{ חברה }} מצורפת.\nתודה,\nצוות דוגמה"


def test_compose_hebrew_end_to_end_html_rtl():
    _content, message = hebrew_message(BodyFormat.TEXT, HEBREW_BODY)
    assert 'dir="rtl"' in decoded_text(message, "html")


def test_compose_hebrew_end_to_end_html_lang():
    _content, message = hebrew_message(BodyFormat.TEXT, HEBREW_BODY)
    assert 'lang="he"' in decoded_text(message, "html")


def test_compose_hebrew_end_to_end_text_identical():
    content, message = hebrew_message(BodyFormat.TEXT, HEBREW_BODY)
    assert decoded_text(message, "plain") == content.text


def test_compose_hebrew_end_to_end_subject():
    _content, message = hebrew_message(BodyFormat.TEXT, HEBREW_BODY)
    assert message["Subject"] == 'שלום דנה מדוגמה בע"מ'


def test_compose_hebrew_end_to_end_html_identical():
    content, message = hebrew_message(BodyFormat.TEXT, HEBREW_BODY)
    assert decoded_text(message, "html") == content.html


def test_compose_hebrew_markdown_end_to_end():
    content, message = hebrew_message(BodyFormat.MARKDOWN, "שלום **{#1}**,\n\nהחשבונית של {{ חברה }} מצורפת.")
    assert decoded_text(message, "plain") == content.text


def test_compose_hebrew_html_end_to_end():
    content, message = hebrew_message(BodyFormat.HTML, "<p>שלום <#1>,</p><p>החשבונית של {{ חברה }} מצורפת.</p>")
    assert 'dir="rtl" lang="he"' in decoded_text(message, "html")


# --- header folding: every space survives ---------------------------------------------

WORDS = ('עדכון חשוב לגבי החשבון שלך בחברת דוגמה בע"מ מחלקת שיווק ומכירות '
         "Invoice 2025 ארצית, לקוח 😀 naïve").split()


def sample_phrases(count: int) -> list[str]:
    generator = random.Random(5)
    return [" ".join(generator.choice(WORDS) for _ in range(generator.randint(1, 30))) for _ in range(count)]


def test_compose_subjects_round_trip_exactly():
    # CPython 3.11.7's own folder lost the space between some of these words.
    subjects = sample_phrases(200)
    parsed = [parse(wire(build(rendered(subject))))["Subject"] for subject in subjects]
    assert parsed == subjects


def test_compose_display_names_decode_exactly():
    names = sample_phrases(200)
    decoded = []
    for name in names:
        value = raw_header(wire(build(recipient_name=name)), "To")
        decoded.append(str(make_header(decode_header(value))))
    assert decoded == [f"{name} <dana@example.org>" for name in names]


def test_compose_display_name_headers_within_78():
    for name in sample_phrases(50):
        quoted = '"' + name.replace('"', "") + '"'
        data = wire(build(recipient_name=name, cc=[f"{quoted} <boss@example.org>", "office@example.org"]))
        assert max(len(line) for line in header_block(data).split(b"\r\n")) <= 78


def test_compose_encoded_words_within_75():
    for subject in sample_phrases(50):
        words = re.findall(rb"=\?[^?]+\?[bq]\?[^?]*\?=", header_block(wire(build(rendered(subject)))))
        assert max(len(word) for word in words) <= 75


def test_compose_long_ascii_subject_word_encoded():
    subject = "x" * 300
    assert parse(wire(build(rendered(subject))))["Subject"] == subject


def test_compose_ascii_subject_folded_at_spaces():
    subject = "Your monthly statement from Acme Trading Company Limited is ready to download now"
    data = wire(build(rendered(subject)))
    assert b"=?" not in header_block(data)


def test_compose_ascii_subject_round_trip():
    subject = "Your  monthly statement from Acme Trading Company Limited is ready to download now"
    assert parse(wire(build(rendered(subject))))["Subject"] == subject


def test_compose_hebrew_extra_header_round_trip():
    message = parse(wire(build(extra_headers={"X-Campaign": "מבצע אביב 2025"})))
    assert message["X-Campaign"] == "מבצע אביב 2025"
