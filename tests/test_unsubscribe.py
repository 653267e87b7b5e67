"""Tests for the List-Unsubscribe headers, the unsubscribe token and the unsubscribe key."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from hypermailer import unsubscribe
from hypermailer.campaign import Mailbox
from hypermailer.checking import build_message, check_campaign
from hypermailer.compose import message_bytes
from hypermailer.errors import ConfigurationError
from engine_helpers import make_campaign, memory_mailbox

URL = "https://example.com/unsubscribe?e={address}&t={token}"
KEY = b"0123456789abcdef0123456789abcdef"

# RFC 2369 section 3.1: a list of URIs, each in angle brackets, separated by commas.
_URI_LIST = re.compile(r"<([^<>\s]+)>(?:\s*,\s*<([^<>\s]+)>)*")


def uris(value: str) -> list[str]:
    assert _URI_LIST.fullmatch(value.strip()), value
    return re.findall(r"<([^<>]+)>", value)


def sent_message(mailbox: Mailbox, *, language: str = "he", key: bytes = b""):
    campaign = make_campaign([("dana@example.com", "דנה", "100")], language=language,
                             unsubscribe_key=key)
    report = check_campaign(campaign, mailbox)
    assert not report.errors, [problem.message for problem in report.errors]
    message = build_message(campaign, mailbox, report.templates, report.ready[0],
                            message_id="<1@example.com>", date=datetime.now(timezone.utc))
    return BytesParser(policy=policy.default).parsebytes(message_bytes(message))


def test_headers_mailto_only_without_url():
    headers = unsubscribe.list_unsubscribe_headers(memory_mailbox(), "dana@example.com",
                                                   language="he")

    assert uris(headers["List-Unsubscribe"]) == [
        "mailto:office@example.com?subject=%D7%94%D7%A1%D7%A8"]
    assert "List-Unsubscribe-Post" not in headers


def test_headers_mailto_subject_in_hebrew_decodes():
    headers = unsubscribe.list_unsubscribe_headers(memory_mailbox(), "dana@example.com",
                                                   language="he")

    mailto = urlsplit(uris(headers["List-Unsubscribe"])[0])
    assert mailto.scheme == "mailto"
    assert parse_qs(mailto.query)["subject"] == ["הסר"]


def test_headers_mailto_subject_in_english():
    headers = unsubscribe.list_unsubscribe_headers(memory_mailbox(), "dana@example.com",
                                                   language="en")

    assert uris(headers["List-Unsubscribe"])[0].endswith("?subject=unsubscribe")


def test_headers_mailto_goes_to_reply_to():
    mailbox = memory_mailbox(reply_to="unsubscribe@example.com")

    headers = unsubscribe.list_unsubscribe_headers(mailbox, "dana@example.com", language="en")

    assert uris(headers["List-Unsubscribe"])[0].startswith("mailto:unsubscribe@example.com?")


def test_headers_list_id_names_mailbox():
    headers = unsubscribe.list_unsubscribe_headers(memory_mailbox(), "dana@example.com",
                                                   language="he")

    assert headers["List-Id"] == "<office.example.com>"


def test_list_id_replaces_invalid_characters():
    mailbox = memory_mailbox(from_address="Sales+IL@Example.COM")

    assert unsubscribe.list_id(mailbox) == "<sales-il.example.com>"


def test_headers_one_click_with_url():
    mailbox = memory_mailbox(unsubscribe_url=URL)

    headers = unsubscribe.list_unsubscribe_headers(mailbox, "Dana@Example.com", language="he",
                                                   key=KEY)

    listed = uris(headers["List-Unsubscribe"])
    assert len(listed) == 2
    assert listed[0].startswith("mailto:")
    assert listed[1].startswith("https://example.com/unsubscribe?")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_url_carries_address_and_token():
    mailbox = memory_mailbox(unsubscribe_url=URL)

    url = unsubscribe.unsubscribe_url(mailbox, "Dana+news@example.com", key=KEY)

    query = parse_qs(urlsplit(url).query)
    assert query["e"] == ["dana+news@example.com"]
    assert query["t"] == [unsubscribe.token("dana+news@example.com", KEY)]


def test_url_escapes_address_characters():
    mailbox = memory_mailbox(unsubscribe_url="https://example.com/u/{address}")

    url = unsubscribe.unsubscribe_url(mailbox, "a&b=c@example.com")

    assert url == "https://example.com/u/a%26b%3Dc@example.com"
    assert unquote(url.rsplit("/", 1)[1]) == "a&b=c@example.com"


def test_url_without_token_needs_no_key():
    mailbox = memory_mailbox(unsubscribe_url="https://example.com/u?e={address}")

    assert unsubscribe.unsubscribe_url(mailbox, "dana@example.com") == (
        "https://example.com/u?e=dana@example.com")


def test_url_with_token_and_no_key_raises():
    mailbox = memory_mailbox(unsubscribe_url=URL)

    with pytest.raises(ConfigurationError, match="unsubscribe key"):
        unsubscribe.unsubscribe_url(mailbox, "dana@example.com")


def test_token_stable_for_address_and_key():
    first = unsubscribe.token("dana@example.com", KEY)

    assert unsubscribe.token("dana@example.com", KEY) == first
    assert unsubscribe.token(" DANA@Example.com ", KEY) == first
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_token_differs_across_keys_and_addresses():
    first = unsubscribe.token("dana@example.com", KEY)

    assert unsubscribe.token("dana@example.com", b"another key of sixteen+") != first
    assert unsubscribe.token("yossi@example.com", KEY) != first


@pytest.mark.parametrize("template", [
    "http://example.com/u?e={address}",
    "https://example.com/u?e={email}",
    "https://example.com/u?e={address",
    "https://example.com/u ?e={address}",
    "mailto:office@example.com",
])
def test_check_url_template_rejects(template):
    with pytest.raises(ConfigurationError, match="Mailboxes row 2"):
        unsubscribe.check_url_template(template, where="Mailboxes row 2")


def test_check_url_template_returns_names():
    assert unsubscribe.check_url_template(URL, where="") == {"address", "token"}


def test_message_headers_parse_back_without_url():
    message = sent_message(memory_mailbox())

    assert uris(str(message["List-Unsubscribe"])) == [
        "mailto:office@example.com?subject=%D7%94%D7%A1%D7%A8"]
    assert message["List-Unsubscribe-Post"] is None
    assert str(message["List-Id"]) == "<office.example.com>"


def test_message_headers_parse_back_with_long_url():
    template = "https://unsubscribe.example.com/" + "long-path/" * 10 + "?e={address}&t={token}"
    message = sent_message(memory_mailbox(unsubscribe_url=template), key=KEY)

    listed = uris(str(message["List-Unsubscribe"]))
    assert listed[1] == unsubscribe.unsubscribe_url(memory_mailbox(unsubscribe_url=template),
                                                    "dana@example.com", key=KEY)
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"


def test_check_reports_missing_key():
    campaign = make_campaign([("dana@example.com", "דנה", "100")])

    report = check_campaign(campaign, memory_mailbox(unsubscribe_url=URL))

    assert report.fatal
    assert any("unsubscribe key" in problem.message for problem in report.errors)


def test_key_round_trip_in_keyring(file_keyring):
    mailbox = memory_mailbox()

    assert unsubscribe.get_key(mailbox) == b""
    unsubscribe.set_key(mailbox, "a key of the organisation's site")
    assert unsubscribe.get_key(mailbox) == b"a key of the organisation's site"
    assert unsubscribe.delete_key(mailbox)
    assert not unsubscribe.delete_key(mailbox)


def test_key_shared_by_mailboxes_with_one_address(file_keyring):
    unsubscribe.set_key(memory_mailbox(name="One"), "a key of the organisation's site")

    assert unsubscribe.get_key(memory_mailbox(name="Two", from_address="OFFICE@example.com"))


def test_key_too_short_rejected(file_keyring):
    with pytest.raises(ConfigurationError, match="16 characters"):
        unsubscribe.set_key(memory_mailbox(), "short")


def test_new_key_is_random_hex():
    first = unsubscribe.new_key()

    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert unsubscribe.new_key() != first


def test_token_matches_documented_example():
    """The worked example in README.md, computed with the standard library alone."""
    key_text = "0123456789abcdef0123456789abcdef"
    expected = hmac.new(key_text.encode("utf-8"), b"dana.cohen@example.com", hashlib.sha256).hexdigest()

    assert unsubscribe.token("Dana.Cohen@Example.com", key_text.encode("utf-8")) == expected
    assert expected == "cc1a1b0708fc70f4f7b6756cec67f0ecbd5817c21142dcc313fbb8117bb33e4d"
