"""Keep the message catalogues in step with the messages in the Python sources.

Run ``python -m hypermailer.catalogue`` from a source checkout after adding or
changing messages. It extracts every msgid from the package's sources with
Babel (the same files ``babel.cfg`` selects) and merges them into each
catalogue, as ``pybabel extract`` followed by ``pybabel update`` would. Existing
translations and the catalogue's header stay as they are. A new message gets
an empty translation, a changed one keeps the old translation marked fuzzy, and
a message gone from the sources is removed. It then lists what still needs a
translator and exits with 1 if anything does. No ``.pot`` file is written.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

import click

from hypermailer.i18n import CLICK_DOMAIN, DOMAIN, LANGUAGES

# The translation functions of hypermailer.i18n and the positions of their
# msgid arguments: ngettext(singular, plural, n), translate_in(language, msgid),
# and the marker N_(msgid).
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "translate_in": (2,)}
# The files babel.cfg selects: Python sources, and the ribbon's labels and screen tips.
METHOD_MAP = [("**.py", "python"),
              ("workbook/ribbon/customUI.xml", "hypermailer.workbook.ribbon:ribbon_messages")]
# Click's modules import gettext's functions under these names.
CLICK_KEYWORDS = {"_": None, "ngettext": (1, 2)}

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent.parent
LINE_WIDTH = 76


@dataclass(frozen=True)
class CatalogueChanges:
    """The outcome of one catalogue update: message counts and the msgids a translator must handle."""

    path: Path
    total: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    untranslated: tuple[str, ...]
    fuzzy: tuple[str, ...]


def catalogue_path(language: str, domain: str = DOMAIN) -> Path:
    """Return the ``.po`` file of *language* and *domain* inside the package."""
    return PACKAGE_DIR / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def translated_languages() -> tuple[str, ...]:
    """Return the languages that have a catalogue: all but English, whose text is the msgids."""
    return tuple(language for language in LANGUAGES if language != "en")


def extract_messages() -> Catalog:
    """Extract every translatable message from the package's Python sources.

    Locations are relative to the source root (``addin/hypermailer/cli.py``),
    as ``pybabel extract -F babel.cfg`` run there writes them.
    """
    template = Catalog(domain=DOMAIN, project="hypermailer")
    prefix = PACKAGE_DIR.relative_to(SOURCE_ROOT)
    results = extract_from_dir(PACKAGE_DIR, method_map=METHOD_MAP, keywords=KEYWORDS)
    for filename, line, message, comments, context in results:
        location = (prefix / filename).as_posix()
        template.add(message, None, [(location, line)], auto_comments=comments, context=context)
    return template


def extract_click_messages() -> Catalog:
    """Extract the texts the installed click marks for translation."""
    template = Catalog(domain=CLICK_DOMAIN, project="click")
    click_dir = Path(click.__file__).parent
    results = extract_from_dir(click_dir, method_map=[("**.py", "python")], keywords=CLICK_KEYWORDS)
    for filename, line, message, comments, context in results:
        template.add(message, None, [(f"click/{filename}", line)], auto_comments=comments, context=context)
    return template


def read_catalogue(language: str, path: Path | None = None, domain: str = DOMAIN) -> Catalog:
    """Parse the catalogue of *language* (or the ``.po`` file *path*) as Babel reads it at run time."""
    with (path or catalogue_path(language, domain)).open("rb") as stream:
        return read_po(stream, locale=language, domain=domain)


def write_catalogue(language: str, catalog: Catalog, path: Path | None = None) -> None:
    """Write *catalog* over the catalogue of *language* (or *path*), keeping the file's own header.

    Babel would rewrite the header with placeholder fields such as
    ``Last-Translator: FULL NAME``, so the header text up to the first blank
    line is kept from the file. Line numbers are left out of the locations so
    that edits elsewhere in a source file do not change the catalogue.
    """
    path = path or catalogue_path(language)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=LINE_WIDTH, ignore_obsolete=True, include_lineno=False)
    old_header = path.read_bytes().split(b"\n\n", 1)[0].rstrip(b"\n")
    _header, separator, entries = buffer.getvalue().partition(b"\n\n")
    path.write_bytes(old_header + separator + entries if separator else old_header + b"\n")


def update_catalogue(language: str, template: Catalog | None = None,
                     path: Path | None = None) -> CatalogueChanges:
    """Merge *template* (by default the messages in the sources) into a catalogue.

    The catalogue is the one of *language* and the template's domain, or the
    ``.po`` file *path*.
    """
    template = template if template is not None else extract_messages()
    domain = template.domain or DOMAIN
    path = path or catalogue_path(language, domain)
    catalog = read_catalogue(language, path, domain)
    before = {message.id for message in catalog if message.id}

    catalog.update(template, update_creation_date=False)
    write_catalogue(language, catalog, path)

    entries = [message for message in catalog if message.id]
    return CatalogueChanges(
        path=path,
        total=len(entries),
        added=tuple(_first_form(message) for message in entries if message.id not in before),
        removed=tuple(_first_form(message) for message in catalog.obsolete.values()),
        untranslated=tuple(_first_form(message) for message in entries if not _is_translated(message)),
        fuzzy=tuple(_first_form(message) for message in entries if message.fuzzy),
    )


def _is_translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return all(forms)


def _first_form(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def _report(language: str, changes: CatalogueChanges) -> None:
    print(f"{language}: {changes.path}: {changes.total} messages, {len(changes.added)} added, "
          f"{len(changes.removed)} removed, {len(changes.untranslated)} untranslated, "
          f"{len(changes.fuzzy)} fuzzy.")
    for label, msgids in (("untranslated", changes.untranslated), ("fuzzy", changes.fuzzy)):
        for msgid in msgids:
            print(f"  {label}: {msgid!r}")


def main() -> int:
    """Update every catalogue and return 1 if any entry still needs a translator."""
    if not (SOURCE_ROOT / "babel.cfg").is_file():
        print(f"{SOURCE_ROOT} is not a HyperMailer source checkout (it has no babel.cfg); "
              "run this from a clone of the repository.", file=sys.stderr)
        return 2

    templates = (extract_messages(), extract_click_messages())
    needs_work = False
    for language in translated_languages():
        for template in templates:
            changes = update_catalogue(language, template)
            _report(language, changes)
            needs_work = needs_work or bool(changes.untranslated or changes.fuzzy)
    if needs_work:
        print("Translate the entries listed above (and clear their fuzzy flag), then run "
              "tests/test_catalogue.py.")
    return 1 if needs_work else 0


if __name__ == "__main__":
    sys.exit(main())
