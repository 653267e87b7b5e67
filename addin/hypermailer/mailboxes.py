"""Mailbox lookup: the workbook's Mailboxes table, a TOML file, and the
built-in "Local outbox".

The TOML file (``mailboxes.toml`` in the user's config folder, or the file
given with ``--mailboxes``) contains one table per mailbox, keyed by its name,
with the field names of :class:`hypermailer.campaign.Mailbox`::

    [mailbox."Office"]
    from_address = "office@example.com"
    kind = "smtp"
    host = "127.0.0.1"
    port = 2525
    security = "none"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from hypermailer import paths
from hypermailer.campaign import Mailbox
from hypermailer.errors import ConfigurationError
from hypermailer.i18n import _, get_language
from hypermailer.workbook.reader import parse_mailbox_row

LOCAL_OUTBOX_NAMES = ("Local outbox", "תיבת יציאה מקומית")


def builtin_outbox() -> Mailbox:
    """Return the pickup mailbox that works on any machine with no server, named in the active language."""
    name = LOCAL_OUTBOX_NAMES[1] if get_language() == "he" else LOCAL_OUTBOX_NAMES[0]
    return Mailbox(name=name, from_address="hypermailer@localhost",
                   display_name="HyperMailer", kind="pickup", folder=paths.default_outbox())


def default_mailbox_file() -> Path:
    return paths.config_folder() / "mailboxes.toml"


def read_mailbox_file(path: Path) -> tuple[Mailbox, ...]:
    """Parse a TOML mailbox file; a relative folder or CA file resolves against its folder."""
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except FileNotFoundError as error:
        raise ConfigurationError(
            _("The mailbox file {path} does not exist. Create it or leave out --mailboxes.")
            .format(path=path)) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(
            _("The mailbox file {path} is not valid TOML: {error}").format(path=path, error=error)
        ) from error

    mailboxes = []
    for name, fields in document.get("mailbox", {}).items():
        where = f"{path} [mailbox.{name!r}]"
        if not isinstance(fields, dict):
            raise ConfigurationError(
                _("{where}: expected a table of mailbox settings.").format(where=where))
        mailboxes.append(parse_mailbox_row({**fields, "name": name},
                                           base_folder=path.parent, where=where))
    return tuple(mailboxes)


def available_mailboxes(workbook_mailboxes: Iterable[Mailbox] = (),
                        mailbox_file: Path | None = None) -> tuple[Mailbox, ...]:
    """List mailboxes in lookup order: workbook, TOML file, built-in outbox.

    A name defined earlier hides the same name later; the built-in outbox is
    only added when no mailbox of that name exists.
    """
    found: dict[str, Mailbox] = {}
    file_mailboxes: tuple[Mailbox, ...] = ()
    if mailbox_file is not None:
        file_mailboxes = read_mailbox_file(mailbox_file)
    elif default_mailbox_file().exists():
        file_mailboxes = read_mailbox_file(default_mailbox_file())

    for mailbox in (*workbook_mailboxes, *file_mailboxes):
        found.setdefault(mailbox.name.casefold(), mailbox)
    if not any(name.casefold() in found for name in LOCAL_OUTBOX_NAMES):
        outbox = builtin_outbox()
        found[outbox.name.casefold()] = outbox
    return tuple(found.values())


def find_mailbox(name: str, mailboxes: Iterable[Mailbox],
                 mailbox_file: Path | None = None) -> Mailbox:
    """Return the mailbox called *name* (case-insensitive), or the first one when *name* is empty."""
    mailboxes = tuple(mailboxes)
    if not name.strip():
        return mailboxes[0]
    for mailbox in mailboxes:
        if mailbox.name.casefold() == name.strip().casefold():
            return mailbox
    if name.strip() in LOCAL_OUTBOX_NAMES:
        # Either language's name finds the built-in outbox.
        for mailbox in mailboxes:
            if mailbox.name in LOCAL_OUTBOX_NAMES:
                return mailbox
    known = ", ".join(mailbox.name for mailbox in mailboxes)
    raise ConfigurationError(
        _("No mailbox is called {name!r}. Known mailboxes: {known}. Add it to the Mailboxes "
          "table or to {file}.").format(name=name, known=known,
                                        file=mailbox_file or default_mailbox_file()))
