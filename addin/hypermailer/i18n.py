"""Message catalogues: Hebrew first, English available.

Source strings (msgids) are English. The Hebrew catalogue lives in
``locale/he/LC_MESSAGES/hypermailer.po`` and is compiled in memory with Babel
when first used, so no compiled ``.mo`` file can fall out of date.
"""

from __future__ import annotations

import gettext
import io
import locale
import os
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "hypermailer"
# Click's own texts (usage lines, option errors) live in a catalogue of
# their own, because their msgids come from click's sources, not ours.
CLICK_DOMAIN = "click"
LANGUAGES = ("he", "en")
DEFAULT_LANGUAGE = "he"

_active = DEFAULT_LANGUAGE


@cache
def translations(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """Load the *domain* catalogue for *language*; English is the msgids themselves."""
    if language == "en":
        return gettext.NullTranslations()
    po_file = resources.files("hypermailer") / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    with po_file.open("rb") as stream:
        catalog = read_po(stream, locale=language, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalise_language(value: str | None) -> str | None:
    """Map a locale name such as ``he_IL.UTF-8`` or ``English`` to ``he``/``en``."""
    if not value:
        return None
    text = value.strip().lower()
    if text.startswith(("he", "iw", "עברית")):
        return "he"
    if text.startswith("en"):
        return "en"
    return None


def language_from_environment() -> str:
    """Pick the language from HYPERMAILER_LANG, the POSIX locale variables, then the system locale.

    Windows sets none of the POSIX variables; there the system locale
    (``Hebrew_Israel``, ``English_United States``) decides. A locale that is
    neither Hebrew nor English (including ``C``) gives Hebrew, because Hebrew
    is the product's first language.
    """
    for variable in ("HYPERMAILER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        language = normalise_language(os.environ.get(variable))
        if language:
            return language
    return normalise_language(_system_locale()) or DEFAULT_LANGUAGE


def _system_locale() -> str | None:
    """Return the name of the process's character-type locale, as the C library has it.

    Python sets it from the user's settings at startup: ``Hebrew_Israel.1255``
    on a Hebrew Windows, ``C.UTF-8`` on a Linux machine with no locale.
    ``locale.getlocale()`` is not used, because it turns ``C.UTF-8`` into
    ``en_US``, which would make such a machine speak English.
    """
    try:
        return locale.setlocale(locale.LC_CTYPE)
    except locale.Error:
        return None


def set_language(language: str) -> None:
    """Make *language* (``he`` or ``en``) the language of every later message."""
    global _active
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    _active = language


def get_language() -> str:
    return _active


def _(message: str) -> str:
    """Translate *message* into the active language."""
    return translations(_active).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on *count*."""
    return translations(_active).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark *message* for the catalogue without translating it yet.

    For texts defined at import time and translated later into a chosen
    language, such as the workbook's sheet titles and column headers.
    """
    return message


def translate_in(language: str, message: str) -> str:
    """Translate *message* into *language* without changing the active one."""
    return translations(language).gettext(message)
