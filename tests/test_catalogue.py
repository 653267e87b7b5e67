"""Tests for the Hebrew message catalogue and the script that keeps it up to date."""

from __future__ import annotations

import gettext
import io
import re
import os
import subprocess
import sys
import string

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import write_mo

from hypermailer import catalogue, i18n, status
from hypermailer import journal as events
from hypermailer.journal import Entry

UPDATE_COMMAND = "PYTHONPATH=addin python -m hypermailer.catalogue"


@pytest.fixture(scope="module", params=[i18n.DOMAIN, i18n.CLICK_DOMAIN])
def hebrew(request) -> Catalog:
    """Each Hebrew catalogue in turn: HyperMailer's messages, then click's own texts."""
    return catalogue.read_catalogue("he", domain=request.param)


def in_sources(domain: str) -> set:
    """Return the msgids the sources of *domain* mark for translation."""
    template = catalogue.extract_messages() if domain == i18n.DOMAIN else catalogue.extract_click_messages()
    return {message.id for message in entries(template)}


def entries(catalog: Catalog) -> list[Message]:
    """Return every message of *catalog* except the header entry."""
    return [message for message in catalog if message.id]


def forms(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return the singular and plural forms of a msgid or msgstr as one tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def replacement_fields(text: str) -> set[tuple[str, str, str]]:
    """Return the ``str.format`` fields of *text* as (name, conversion, format spec).

    Doubled braces are literal text, not fields. Raises ValueError when *text*
    is not a valid format string.
    """
    return {(name, conversion or "", spec or "")
            for _literal, name, spec, conversion in string.Formatter().parse(text)
            if name is not None}


def test_catalogue_has_every_source_message(hebrew):
    in_catalogue = {message.id for message in entries(hebrew)}

    missing = sorted(map(repr, in_sources(hebrew.domain) - in_catalogue))
    assert not missing, (f"{len(missing)} messages are missing from "
                         f"{catalogue.catalogue_path('he', hebrew.domain)}; "
                         f"run `{UPDATE_COMMAND}` and translate them:\n" + "\n".join(missing))


def test_catalogue_has_no_stale_messages(hebrew):
    in_catalogue = {message.id for message in entries(hebrew)}

    stale = sorted(map(repr, in_catalogue - in_sources(hebrew.domain)))
    assert not stale, (f"these messages are no longer in the sources; run `{UPDATE_COMMAND}` "
                       "to remove them:\n" + "\n".join(stale))


def test_catalogue_entries_translated(hebrew):
    untranslated = [message.id for message in entries(hebrew) if not all(forms(message.string))]

    assert not untranslated, f"translate these messages (run `{UPDATE_COMMAND}` first): {untranslated}"


def test_catalogue_entries_not_fuzzy(hebrew):
    fuzzy = [message.id for message in entries(hebrew) if message.fuzzy]

    assert not fuzzy, f"review these translations and remove their fuzzy flag: {fuzzy}"


def test_catalogue_placeholders_match(hebrew):
    mismatches = []
    for message in entries(hebrew):
        expected = set().union(*(replacement_fields(text) for text in forms(message.id)))
        try:
            found = [replacement_fields(text) for text in forms(message.string)]
        except ValueError as error:
            mismatches.append(f"{message.id!r}: the translation is not a valid format string ({error})")
            continue
        # A plural form may leave out the count ("one message"), but together
        # the forms use exactly the msgid's fields.
        if set().union(*found) != expected:
            mismatches.append(f"{message.id!r}: expected {sorted(expected)}, found {found}")

    assert not mismatches, "placeholders differ between msgid and translation:\n" + "\n".join(mismatches)


def test_catalogue_keeps_literal_braces(hebrew):
    """``{{#1}}`` and ``{{ body }}`` in a msgid are text the user must see unchanged."""
    changed = [message.id for message in entries(hebrew)
               for msgid, msgstr in zip(forms(message.id), forms(message.string))
               if (msgid.count("{{"), msgid.count("}}")) != (msgstr.count("{{"), msgstr.count("}}"))]

    assert not changed, f"doubled braces differ in: {changed}"


def test_catalogue_plural_forms_header(hebrew):
    assert hebrew.plural_forms == "nplurals=2; plural=(n != 1);"


def test_catalogue_compiles():
    buffer = io.BytesIO()
    write_mo(buffer, catalogue.read_catalogue("he"))
    buffer.seek(0)

    compiled = gettext.GNUTranslations(buffer)

    assert compiled.gettext("Cancelled; nothing was sent.") == "הפעולה בוטלה; לא נשלח דבר."


def test_catalogue_passes_babel_checks(hebrew):
    problems = [f"{message.id!r}: {errors}" for message, errors in hebrew.check()]

    assert not problems, "\n".join(problems)


def test_hebrew_language_translates_messages():
    i18n.set_language("he")

    text = i18n._("Row {row}: the message cannot be built: {error}").format(row=7, error="x")

    assert text == "שורה 7: לא ניתן לבנות את ההודעה: x"


def test_hebrew_status_cell_text():
    i18n.set_language("he")
    entry = Entry(key="dana@example.com", event=events.FAILED, row=3,
                  time="2025-01-31T08:00:00+00:00", code=550, reply="mailbox unavailable")

    text = status.entry_text(entry)

    assert text.startswith("נכשל ")
    assert text.endswith(": 550 mailbox unavailable")


def test_status_text_quotes_reply_code_once():
    entry = Entry(key="dana@example.com", event=events.DEFERRED, row=2,
                  time="2025-01-31T08:00:00+00:00", code=535,
                  reply="127.0.0.1:25: login failed with 535 'bad password'.")

    text = status.entry_text(entry)

    assert text.count("535") == 1
    assert ".." not in text


def test_translate_in_hebrew_keeps_active_language():
    text = i18n.translate_in("he", "Subject")

    assert text == "נושא"
    assert i18n.get_language() == "en"


@pytest.mark.parametrize("source, expected", [
    ('_("plain")', "plain"),
    ('i18n._("dotted")', "dotted"),
    ('ngettext("one row", "{count} rows", n)', ("one row", "{count} rows")),
    ('translate_in(language, "second argument")', "second argument"),
])
def test_extraction_keywords_catch_calls(source, expected):
    found = [message for _line, message, _comments, _context
             in extract("python", io.BytesIO(source.encode()), keywords=catalogue.KEYWORDS)]

    assert found == [expected]


def test_write_catalogue_round_trip(tmp_path):
    """The committed catalogue is already in the form the update script writes."""
    original = catalogue.catalogue_path("he").read_bytes()
    copy = tmp_path / "hypermailer.po"
    copy.write_bytes(original)

    catalogue.write_catalogue("he", catalogue.read_catalogue("he", copy), copy)

    assert copy.read_bytes() == original


def test_update_catalogue_merges_template(tmp_path):
    copy = tmp_path / "hypermailer.po"
    copy.write_bytes(catalogue.catalogue_path("he").read_bytes())
    header = copy.read_bytes().split(b"\n\n", 1)[0]
    template = Catalog(domain=i18n.DOMAIN)
    template.add("Cancelled; nothing was sent.", locations=[("addin/hypermailer/cli.py", 1)])
    template.add("A brand-new message.", locations=[("addin/hypermailer/cli.py", 2)])
    template.add(("One row waits.", "{count} rows wait."), locations=[("addin/hypermailer/cli.py", 3)])

    changes = catalogue.update_catalogue("he", template, copy)
    updated = catalogue.read_catalogue("he", copy)

    assert changes.added == ("A brand-new message.", "One row waits.")
    assert changes.untranslated == ("A brand-new message.", "One row waits.")
    assert "Cancelled; nothing was sent." not in changes.removed
    assert len(changes.removed) == len(entries(catalogue.read_catalogue("he"))) - 1
    assert updated.get("Cancelled; nothing was sent.").string == "הפעולה בוטלה; לא נשלח דבר."
    assert updated.get("One row waits.").string == ("", "")
    assert copy.read_bytes().split(b"\n\n", 1)[0] == header
    assert b"#~" not in copy.read_bytes()


LOCALE_VARIABLES = ("HYPERMAILER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.mark.parametrize("system_locale, expected", [
    ("Hebrew_Israel.1255", "he"),           # Windows, Hebrew
    ("English_United States.1252", "en"),   # Windows, English
    ("en_GB.UTF-8", "en"),
    ("C.UTF-8", "he"),                      # no locale: Hebrew first
    ("C", "he"),
])
def test_language_from_system_locale_without_variables(monkeypatch, system_locale, expected):
    """Windows sets no POSIX locale variable; the system locale decides there."""
    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    # NOTE: a stand-in for the Windows locale, which this Linux machine cannot set.
    monkeypatch.setattr(i18n, "_system_locale", lambda: system_locale)

    assert i18n.language_from_environment() == expected


def test_language_variable_wins_over_system_locale(monkeypatch):
    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "he_IL.UTF-8")
    monkeypatch.setattr(i18n, "_system_locale", lambda: "English_United States.1252")

    assert i18n.language_from_environment() == "he"


def test_language_c_locale_machine_is_hebrew():
    """A real process with LANG=C.UTF-8 and nothing else speaks Hebrew."""
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8",
                   "PYTHONPATH": os.pathsep.join(sys.path)}

    result = subprocess.run([sys.executable, "-m", "hypermailer", "--help"], env=environment,
                            capture_output=True, text=True, encoding="utf-8", check=False)

    assert result.returncode == 0
    assert result.stdout.startswith("שימוש:")


def test_catalogue_keeps_every_command_line_option():
    """An option such as --subject must appear in the translation exactly as in the msgid."""
    option = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
    changed = []
    for message in entries(catalogue.read_catalogue("he")):
        for msgid, msgstr in zip(forms(message.id), forms(message.string)):
            if sorted(set(option.findall(msgid))) != sorted(set(option.findall(msgstr))):
                changed.append(msgid)

    assert not changed, f"options differ between msgid and translation in: {changed}"
