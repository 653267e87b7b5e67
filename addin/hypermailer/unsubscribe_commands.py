"""The CLI's unsubscribe commands: a mailbox's suppression list and unsubscribe key.

Each ``run_*`` function returns the process exit code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from hypermailer import output, removal_requests, suppression, unsubscribe
from hypermailer.campaign import Mailbox
from hypermailer.commands import EXIT_OK, EXIT_ROWS_FAILED
from hypermailer.i18n import _, ngettext
from hypermailer.mailboxes import available_mailboxes, find_mailbox


@dataclass(frozen=True)
class MailboxChoice:
    """The ``--mailbox``, ``--mailboxes`` and ``--workbook`` options of the unsubscribe commands."""

    name: str = ""
    mailbox_file: Path | None = None
    workbook: Path | None = None


def run_unsubscribe_add(choice: MailboxChoice, addresses: tuple[str, ...], source: str) -> int:
    mailbox = _chosen_mailbox(choice)
    result = suppression.add_addresses(mailbox, addresses, source=source or _("command line"))
    _show_suppression_result(mailbox, result)
    return EXIT_ROWS_FAILED if result.invalid else EXIT_OK


def run_unsubscribe_import(choice: MailboxChoice, path: Path, source: str) -> int:
    mailbox = _chosen_mailbox(choice)
    result = suppression.import_file(mailbox, path, source=source)
    _show_suppression_result(mailbox, result)
    return EXIT_ROWS_FAILED if result.invalid else EXIT_OK


def run_unsubscribe_scan(choice: MailboxChoice, paths: tuple[Path, ...]) -> int:
    """Add the sender of every saved "הסר" reply in *paths* to the suppression list."""
    mailbox = _chosen_mailbox(choice)
    result = removal_requests.suppress_senders(mailbox, list(paths))
    for request in result.added:
        output.console.print(_("Added {address} (reply {file}).").format(
            address=request.address, file=request.source), markup=False)
    output.console.print(ngettext(
        "Read {read} message; {count} asked to be removed.",
        "Read {read} messages; {count} asked to be removed.", result.read).format(
        read=result.read, count=len(result.requests)))
    _show_suppression_result(mailbox, suppression.ImportResult(
        tuple(request.address for request in result.added), result.already_listed,
        result.invalid))
    return EXIT_ROWS_FAILED if result.invalid else EXIT_OK


def run_unsubscribe_remove(choice: MailboxChoice, addresses: tuple[str, ...]) -> int:
    mailbox = _chosen_mailbox(choice)
    removed = suppression.remove_addresses(mailbox, addresses)
    for address in removed:
        output.console.print(_("Removed {address} from the suppression list of {sender}.").format(
            address=address, sender=mailbox.from_address))
    missing = len(addresses) - len(removed)
    if missing > 0:
        output.console.print(ngettext(
            "{count} address was not on the suppression list of {sender}.",
            "{count} addresses were not on the suppression list of {sender}.", missing).format(
            count=missing, sender=mailbox.from_address))
    return EXIT_OK


def run_unsubscribe_list(choice: MailboxChoice) -> int:
    mailbox = _chosen_mailbox(choice)
    table = output.Table(show_header=True, header_style="bold")
    for title in (_("Address"), _("Date"), _("Source")):
        table.add_column(title)
    entries = suppression.read_list(mailbox)
    for entry in entries:
        table.add_row(entry.address, entry.date, entry.source)
    output.console.print(table)
    output.console.print(ngettext(
        "{count} address on the suppression list of {sender} ({path}).",
        "{count} addresses on the suppression list of {sender} ({path}).", len(entries)).format(
        count=len(entries), sender=mailbox.from_address,
        path=suppression.suppression_path(mailbox)), markup=False)
    return EXIT_OK


def run_unsubscribe_key(choice: MailboxChoice, generate: bool, key_stdin: bool,
                        delete: bool) -> int:
    mailbox = _chosen_mailbox(choice)
    if delete:
        if unsubscribe.delete_key(mailbox):
            output.console.print(_("The unsubscribe key of {sender} was removed.").format(
                sender=mailbox.from_address))
        else:
            output.console.print(_("No unsubscribe key was stored for {sender}.").format(
                sender=mailbox.from_address))
        return EXIT_OK
    if generate:
        key = unsubscribe.new_key()
    elif key_stdin:
        key = sys.stdin.readline().strip()
    else:
        key = click.prompt(_("Unsubscribe key for {sender}").format(sender=mailbox.from_address),
                           hide_input=True)
    unsubscribe.set_key(mailbox, key)
    output.console.print(_("The unsubscribe key of {sender} is stored in the system keyring.")
                         .format(sender=mailbox.from_address))
    if generate:
        # The site that checks tokens needs the same key, so it is shown once.
        output.console.print(_("Give this key to the site that checks unsubscribe tokens: {key}")
                             .format(key=key), markup=False)
    return EXIT_OK


def _chosen_mailbox(choice: MailboxChoice) -> Mailbox:
    name = choice.name
    workbook_mailboxes: tuple[Mailbox, ...] = ()
    if choice.workbook is not None:
        from hypermailer.workbook.reader import read_campaign
        campaign = read_campaign(choice.workbook.resolve())
        workbook_mailboxes = campaign.mailboxes
        name = name or campaign.mailbox_name
    mailboxes = available_mailboxes(workbook_mailboxes, choice.mailbox_file)
    return find_mailbox(name, mailboxes, choice.mailbox_file)


def _show_suppression_result(mailbox: Mailbox, result: suppression.ImportResult) -> None:
    output.console.print(_("Suppression list of {sender}: {added} added, {already} already "
                           "listed.").format(sender=mailbox.from_address, added=len(result.added),
                                             already=len(result.already_listed)))
    for text in result.invalid:
        output.errors.print(_("{text!r} is not a valid address, so it was not added.").format(
            text=text), markup=False)
