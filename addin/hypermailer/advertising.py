"""The parts Israeli law requires in an email advertisement, added to each rendered message.

Section 30A of the Communications Law (Telecommunications and Broadcasting),
1982, sets what an advertisement sent by email must have. The subject starts
with the word "פרסומת" ("advertisement"). The message gives the advertiser's
name and contact details, and states that the recipient may refuse further
advertisements, with a free and easy way to do so. The law also requires the
recipient's prior consent, which HyperMailer can only look for in a consent
column of the recipients table.

The prefix is the Hebrew word whatever the campaign's language, because the
law names that word. The footer is in the campaign's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from html import escape

from hypermailer.campaign import Mailbox
from hypermailer.deliverability import is_no_reply
from hypermailer.i18n import _, translate_in
from hypermailer.render import Rendered
from hypermailer.unsubscribe import mailto_subject

__all__ = [
    "ADVERTISEMENT_WORD",
    "CONSENT_HEADERS",
    "apply_advertisement",
    "consent_columns",
    "footer_html",
    "footer_text",
    "has_consent",
    "missing_details",
    "reply_address",
    "with_prefix",
]

ADVERTISEMENT_WORD = "פרסומת"

#: Headers of the optional consent columns (date, source, or both in one), compared casefolded.
CONSENT_HEADERS = frozenset({
    "consent", "consent date", "consent source",
    "הסכמה", "תאריך הסכמה", "מקור הסכמה", "מקור ההסכמה",
})

# Direction marks and embeddings a user may type before the subject's first word.
_LEADING_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 \t\u00a0"

_HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")

_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def with_prefix(subject: str) -> str:
    """Put "פרסומת" at the start of *subject*, unless it already starts with that word."""
    stripped = subject.lstrip(_LEADING_MARKS)
    if stripped.startswith(ADVERTISEMENT_WORD):
        following = stripped[len(ADVERTISEMENT_WORD):len(ADVERTISEMENT_WORD) + 1]
        # "פרסומתי" is another word that merely starts with the same letters.
        if not _HEBREW_LETTER.match(following):
            return subject
    return f"{ADVERTISEMENT_WORD}: {subject}" if subject.strip() else ADVERTISEMENT_WORD


def reply_address(mailbox: Mailbox, campaign_reply_to: str = "") -> str:
    """Return where a recipient's reply goes: the campaign's Reply-To, the mailbox's, or From."""
    return (campaign_reply_to or mailbox.reply_to or mailbox.from_address).strip()


def missing_details(mailbox: Mailbox, campaign_reply_to: str = "") -> list[str]:
    """Return one message per detail an advertisement from *mailbox* lacks; empty when none."""
    where = _("Mailbox {name}").format(name=mailbox.name)
    replies = reply_address(mailbox, campaign_reply_to)
    problems = []
    if not mailbox.business_name.strip():
        problems.append(_(
            "{where}: the campaign is an advertisement, but the business name is empty. The law "
            "requires the advertiser's name in every advertisement: fill in the Business name "
            "column of the Mailboxes table, or business_name in the mailbox file."
        ).format(where=where))
    if not mailbox.business_address.strip():
        problems.append(_(
            "{where}: the campaign is an advertisement, but the business address is empty. The law "
            "requires the advertiser's address in every advertisement: fill in the Business "
            "address column of the Mailboxes table, or business_address in the mailbox file."
        ).format(where=where))
    if is_no_reply(replies) and not mailbox.business_phone.strip():
        problems.append(_(
            "{where}: the campaign is an advertisement, but its only contact is the no-reply "
            "address {address}. Fill in the Business phone column (business_phone in the mailbox "
            "file), or set a Reply-To address that someone reads."
        ).format(where=where, address=replies))
    if is_no_reply(replies) and not mailbox.unsubscribe_url.strip():
        problems.append(_(
            "{where}: recipients refuse advertisements by replying, but replies go to the no-reply "
            "address {address}. Set a Reply-To address that someone reads, or an unsubscribe URL."
        ).format(where=where, address=replies))
    return problems


def footer_text(mailbox: Mailbox, *, language: str, reply_to: str, url: str = "") -> str:
    """Return the advertiser's details and how to refuse, as plain text in *language*."""
    sender = _sender_details(mailbox, reply_to)
    word = mailto_subject(language)
    sentence = _footer_sentence(language, url=bool(url), replies_read=not is_no_reply(reply_to))
    return sentence.format(sender=sender, word=word, url=url)


def footer_html(mailbox: Mailbox, *, language: str, reply_to: str, url: str = "") -> str:
    """Return the footer as an HTML block in *language*, with the URL as a link."""
    sender = escape(_sender_details(mailbox, reply_to))
    word = escape(mailto_subject(language))
    link = f'<a href="{escape(url)}">{escape(url)}</a>' if url else ""
    sentence = _footer_sentence(language, url=bool(url), replies_read=not is_no_reply(reply_to))
    sentence = escape(sentence).format(sender=sender, word=word, url=link)
    direction = ' dir="rtl" lang="he"' if language == "he" else ""
    return (f'<div{direction} style="margin-top: 24px; border-top: 1px solid #cccccc; '
            f'padding-top: 8px; font-size: 12px; color: #555555;">{sentence}</div>')


def apply_advertisement(rendered: Rendered, mailbox: Mailbox, *, language: str, reply_to: str,
                        url: str = "") -> Rendered:
    """Return *rendered* with the subject prefix and the footer in the text and the HTML."""
    text_footer = footer_text(mailbox, language=language, reply_to=reply_to, url=url)
    html_footer = footer_html(mailbox, language=language, reply_to=reply_to, url=url)
    return replace(
        rendered,
        subject=with_prefix(rendered.subject),
        text=rendered.text.rstrip("\n") + "\n\n" + text_footer + "\n",
        html=_before_body_end(rendered.html, html_footer),
    )


def consent_columns(header: Iterable[str]) -> list[str]:
    """Return the headers in *header* that name a consent column."""
    return [text for text in header if " ".join(text.split()).casefold() in CONSENT_HEADERS]


def has_consent(names: Mapping[str, str], columns: Iterable[str]) -> bool:
    """Tell whether any consent column of a row (*names* maps header to text) is filled."""
    return any(names.get(column.strip(), "").strip() for column in columns)


def _sender_details(mailbox: Mailbox, reply_to: str) -> str:
    """Join the business name, address, phone and contact address with " · "."""
    details = (mailbox.business_name, mailbox.business_address, mailbox.business_phone, reply_to)
    return " · ".join(detail.strip() for detail in details if detail.strip())


def _before_body_end(html: str, block: str) -> str:
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html.rstrip("\n") + "\n" + block + "\n"
    position = ends[-1].start()
    return html[:position] + block + "\n" + html[position:]


def _footer_sentence(language: str, *, url: bool, replies_read: bool) -> str:
    """Return the footer's sentence in *language*, with ``{sender}``, ``{word}`` and ``{url}`` fields."""
    if url and not replies_read:
        return translate_in(language, "Advertisement from {sender}. You may refuse "
                                      "advertisements from us at any time, free of charge, at {url}")
    if url:
        return translate_in(language, "Advertisement from {sender}. You may refuse "
                                      "advertisements from us at any time, free of charge: reply "
                                      "to this message with the word \"{word}\", or unsubscribe "
                                      "at {url}")
    return translate_in(language, "Advertisement from {sender}. You may refuse "
                                  "advertisements from us at any time, free of charge: reply to "
                                  "this message with the word \"{word}\".")
