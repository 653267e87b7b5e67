"""The CLI's mailbox commands: list, test, login and logout.

Each ``run_*`` function returns the process exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hypermailer import credentials, output, session
from hypermailer.campaign import Mailbox
from hypermailer.commands import EXIT_OK
from hypermailer.errors import ConfigurationError, CredentialError
from hypermailer.i18n import _
from hypermailer.mailboxes import available_mailboxes, find_mailbox
from hypermailer.transports.base import step_mark


def _mailboxes(mailbox_file: Path | None, workbook: Path | None) -> tuple[Mailbox, ...]:
    workbook_mailboxes = ()
    if workbook is not None:
        from hypermailer.workbook.reader import read_campaign
        workbook_mailboxes = read_campaign(workbook.resolve()).mailboxes
    return available_mailboxes(workbook_mailboxes, mailbox_file)


def run_mailbox_list(mailbox_file: Path | None, workbook: Path | None) -> int:
    """Print one block per mailbox, so long names and paths are never cut off."""
    for mailbox in _mailboxes(mailbox_file, workbook):
        output.console.print(mailbox.name, style="bold", markup=False)
        for label, value in _mailbox_details(mailbox):
            output.console.print(f"  {label}: {value}", markup=False)
    return EXIT_OK


def _mailbox_details(mailbox: Mailbox) -> list[tuple[str, str]]:
    details = [(_("From"), mailbox.from_address), (_("Kind"), mailbox.kind)]
    if mailbox.kind == "pickup":
        details.append((_("Folder"), str(mailbox.folder)))
        return details
    details += [(_("Server"), f"{mailbox.host}:{mailbox.port}"),
                (_("Security"), mailbox.security.value),
                (_("Per minute / per day"),
                 f"{mailbox.per_minute or '-'} / {mailbox.per_day or '-'}"),
                (_("Connections"), str(mailbox.connections))]
    if mailbox.username:
        details.append((_("Password"), _password_state(mailbox)))
    return details


def _password_state(mailbox: Mailbox) -> str:
    """Say whether a password is stored, without stopping the list when the keyring fails."""
    try:
        stored = credentials.get_password(mailbox)
    except CredentialError:
        return _("cannot be checked: no keyring is available")
    return _("stored") if stored else _("missing")


def run_mailbox_test(name: str, mailbox_file: Path | None, workbook: Path | None) -> int:
    mailbox = find_mailbox(name, _mailboxes(mailbox_file, workbook), mailbox_file)
    transport = session.open_transport(mailbox)
    for step in transport.verify():
        output.console.print(f"{step_mark(step)} {step}", markup=False)
    output.console.print(_("Mailbox {name} works.").format(name=mailbox.name))
    return EXIT_OK


def run_mailbox_login(name: str, mailbox_file: Path | None, workbook: Path | None,
                      password_stdin: bool) -> int:
    mailboxes = _mailboxes(mailbox_file, workbook)
    mailbox = find_mailbox(name, mailboxes, mailbox_file)
    if mailbox.kind != "smtp" or not mailbox.username:
        raise ConfigurationError(_("Mailbox {name} has no user name, so it needs no password.")
                                 .format(name=mailbox.name))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password for {user} on {host}").format(
            user=mailbox.username, host=mailbox.host), hide_input=True)
    if not password:
        raise ConfigurationError(_("The password is empty; nothing was stored."))
    credentials.set_password(mailbox, password)
    _report_login(mailbox, mailboxes)
    return EXIT_OK


def _report_login(mailbox: Mailbox, mailboxes: tuple[Mailbox, ...]) -> None:
    """Say where the password went, and which other mailboxes now use it too."""
    backend = credentials.plaintext_backend()
    if backend:
        output.errors.print(_("Password for mailbox {name} stored by {backend}, which keeps "
                              "passwords in a plain file, readable by anyone who can read your "
                              "files. Install the system keyring (Windows Credential Manager, "
                              "macOS Keychain, Secret Service on Linux) or remove keyrings.alt.")
                            .format(name=mailbox.name, backend=backend), markup=False)
    else:
        output.console.print(_("Password for mailbox {name} stored in the system keyring.")
                             .format(name=mailbox.name))
    sharing = credentials.mailboxes_sharing_password(mailbox, mailboxes)
    if sharing:
        output.console.print(_("Mailboxes {names} have the same user name on the same server, so "
                               "they use this password too.").format(names=", ".join(sharing)))


def run_mailbox_logout(name: str, mailbox_file: Path | None, workbook: Path | None) -> int:
    mailbox = find_mailbox(name, _mailboxes(mailbox_file, workbook), mailbox_file)
    if credentials.delete_password(mailbox):
        output.console.print(_("Password for mailbox {name} removed.").format(name=mailbox.name))
    else:
        output.console.print(_("No password was stored for mailbox {name}.").format(
            name=mailbox.name))
    return EXIT_OK
