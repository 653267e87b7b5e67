"""The click command tree, built after the language is set so help is translated."""

from __future__ import annotations

from pathlib import Path

import click

from hypermailer import i18n, session
from hypermailer.campaign import BodyFormat
from hypermailer.i18n import _


def whole_number(minimum: int = 1) -> click.IntRange:
    """Return a whole-number option type whose name appears translated in click's errors."""
    number = click.IntRange(min=minimum)
    number.name = _("whole number")
    return number


def campaign_options(function):
    """Add the options that describe a campaign for a plain spreadsheet or CSV."""
    options = [
        click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False)),
        click.option("--subject", default="", help=_("Subject template; overrides the workbook.")),
        click.option("--body", default="", help=_("Body template text; overrides the workbook.")),
        click.option("--body-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                     help=_("UTF-8 file with the body template; .html and .md set the format.")),
        click.option("--format", "body_format", type=click.Choice([f.value for f in BodyFormat]),
                     help=_("Body format: text, html or markdown.")),
        click.option("--template-file", type=click.Path(path_type=Path, dir_okay=False,
                                                        exists=True),
                     help=_("Organisation template: an HTML file with a {{ body }} slot.")),
        click.option("--attach", "attachments", multiple=True,
                     type=click.Path(path_type=Path, dir_okay=False),
                     help=_("A file every message carries; repeat for several.")),
        click.option("--mailbox", default="", help=_("Name of the mailbox to send through.")),
        click.option("--mailboxes", "mailbox_file",
                     type=click.Path(path_type=Path, dir_okay=False),
                     help=_("TOML file with mailbox settings (default: mailboxes.toml in the "
                            "user's config folder).")),
        click.option("--reply-to", default="", help=_("Reply-To address for every message.")),
        click.option("--campaign", "campaign_id", default="",
                     help=_("Campaign id for the journal; the same id resumes a run.")),
        click.option("--advertisement/--no-advertisement", default=None,
                     help=_("Mark the campaign as an advertisement (subject prefix, sender "
                            "details, consent check); overrides the workbook.")),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def overrides_from(params: dict) -> session.Overrides:
    body_format = params.pop("body_format", None)
    return session.Overrides(
        subject=params.pop("subject"), body=params.pop("body"),
        body_file=params.pop("body_file"),
        body_format=BodyFormat(body_format) if body_format else None,
        template_file=params.pop("template_file"),
        attachments=tuple(params.pop("attachments")), mailbox=params.pop("mailbox"),
        mailbox_file=params.get("mailbox_file"), reply_to=params.pop("reply_to"),
        campaign_id=params.pop("campaign_id"), advertisement=params.pop("advertisement"))


def build_cli() -> click.Group:
    """Create the ``hypermailer`` command group in the active language."""

    @click.group(help=_("HyperMailer sends one personal message per row of a spreadsheet."),
                 context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--lang", type=click.Choice(i18n.LANGUAGES),
                  help=_("Language of messages: he or en (default: from the locale)."))
    @click.version_option(package_name="hypermailer")
    def cli(lang):
        """Set by main() before the tree is built; the option only documents it."""

    @cli.command(help=_("Check every row without sending anything."))
    @campaign_options
    @click.option("--write-status/--no-write-status", default=None,
                  help=_("Write findings into the status column (default: only for HyperMailer "
                         "workbooks)."))
    def check(workbook, mailbox_file, write_status, **params):
        from hypermailer.commands import run_check
        return run_check(workbook, overrides_from({**params, "mailbox_file": mailbox_file}),
                         write_status)

    @cli.command(help=_("Show one row's message, or save it as .eml or .html."))
    @campaign_options
    @click.option("--row", type=whole_number(), help=_("Sheet row to preview (default: the first valid row)."))
    @click.option("--output", "output_file", type=click.Path(path_type=Path, dir_okay=False),
                  help=_("Save to this .eml or .html file instead of printing."))
    def preview(workbook, mailbox_file, row, output_file, **params):
        from hypermailer.commands import run_preview
        return run_preview(workbook, overrides_from({**params, "mailbox_file": mailbox_file}),
                           row, output_file)

    @cli.command(help=_("Send the campaign: one message per valid row."))
    @campaign_options
    @click.option("--yes", "-y", "assume_yes", is_flag=True,
                  help=_("Do not ask for confirmation."))
    @click.option("--dry-run", is_flag=True,
                  help=_("Render and check every message without connecting."))
    @click.option("--limit", type=whole_number(),
                  help=_("Send at most this many messages in this run."))
    @click.option("--rows", "rows_text", default="",
                  help=_("Only these sheet rows, e.g. 2-10,15."))
    @click.option("--retry-uncertain", is_flag=True,
                  help=_("Send again rows that may have been sent."))
    @click.option("--retry-failed", is_flag=True,
                  help=_("Send again rows that failed in an earlier run."))
    @click.option("--new-campaign", is_flag=True,
                  help=_("Start a new campaign id, so every row is sent again, including rows "
                         "sent before."))
    @click.option("--test", "test_address", default=None, is_flag=False, flag_value="",
                  help=_("Send the first selected row's message only to this address (default: "
                         "the TestAddress cell); nothing is journaled."))
    @click.option("--write-status/--no-write-status", default=None,
                  help=_("Write outcomes into the status column (default: only for HyperMailer "
                         "workbooks)."))
    def send(workbook, mailbox_file, assume_yes, dry_run, limit, rows_text, retry_uncertain,
             retry_failed, new_campaign, test_address, write_status, **params):
        from hypermailer.commands import SendRequest, run_send
        request = SendRequest(assume_yes=assume_yes, dry_run=dry_run, limit=limit,
                              rows_text=rows_text, retry_uncertain=retry_uncertain,
                              retry_failed=retry_failed, new_campaign=new_campaign, test_address=test_address,
                              write_status=write_status)
        return run_send(workbook, overrides_from({**params, "mailbox_file": mailbox_file}),
                        request)

    cli.add_command(_mailbox_group())
    cli.add_command(_workbook_group())
    cli.add_command(_unsubscribe_group())
    return cli


def _mailbox_group() -> click.Group:
    mailbox_file_option = click.option(
        "--mailboxes", "mailbox_file", type=click.Path(path_type=Path, dir_okay=False),
        help=_("TOML file with mailbox settings."))
    workbook_option = click.option(
        "--workbook", type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help=_("Also list the mailboxes of this HyperMailer workbook."))

    @click.group(help=_("List, test and log in to mailboxes."))
    def mailbox():
        pass

    @mailbox.command("list", help=_("List the mailboxes HyperMailer can use."))
    @mailbox_file_option
    @workbook_option
    def list_(mailbox_file, workbook):
        from hypermailer.mailbox_commands import run_mailbox_list
        return run_mailbox_list(mailbox_file, workbook)

    @mailbox.command(help=_("Connect, negotiate TLS and log in without sending."))
    @click.argument("name")
    @mailbox_file_option
    @workbook_option
    def test(name, mailbox_file, workbook):
        from hypermailer.mailbox_commands import run_mailbox_test
        return run_mailbox_test(name, mailbox_file, workbook)

    @mailbox.command(help=_("Store the mailbox's password in the system keyring."))
    @click.argument("name")
    @mailbox_file_option
    @workbook_option
    @click.option("--password-stdin", is_flag=True,
                  help=_("Read the password from standard input instead of asking."))
    def login(name, mailbox_file, workbook, password_stdin):
        from hypermailer.mailbox_commands import run_mailbox_login
        return run_mailbox_login(name, mailbox_file, workbook, password_stdin)

    @mailbox.command(help=_("Remove the mailbox's password from the system keyring."))
    @click.argument("name")
    @mailbox_file_option
    @workbook_option
    def logout(name, mailbox_file, workbook):
        from hypermailer.mailbox_commands import run_mailbox_logout
        return run_mailbox_logout(name, mailbox_file, workbook)

    return mailbox


def _workbook_group() -> click.Group:
    @click.group(help=_("Create HyperMailer workbooks."))
    def workbook():
        pass

    @workbook.command(help=_("Create a new HyperMailer workbook with a sample campaign."))
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--language", type=click.Choice(i18n.LANGUAGES), default=None,
                  help=_("Language of the sheets (default: the message language)."))
    @click.option("--force", is_flag=True, help=_("Overwrite an existing file."))
    def new(path, language, force):
        from hypermailer.commands import run_workbook_new
        return run_workbook_new(path, language or i18n.get_language(), force)

    return workbook



def _unsubscribe_group() -> click.Group:
    def mailbox_options(function):
        options = [
            click.option("--mailbox", "mailbox_name", default="",
                         help=_("Mailbox whose list to manage (default: the workbook's mailbox, "
                                "else the first one).")),
            click.option("--mailboxes", "mailbox_file",
                         type=click.Path(path_type=Path, dir_okay=False),
                         help=_("TOML file with mailbox settings.")),
            click.option("--workbook", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                         help=_("Also look for the mailbox in this HyperMailer workbook.")),
        ]
        for option in reversed(options):
            function = option(function)
        return function

    def choice(mailbox_name, mailbox_file, workbook):
        from hypermailer.unsubscribe_commands import MailboxChoice
        return MailboxChoice(name=mailbox_name, mailbox_file=mailbox_file, workbook=workbook)

    @click.group(help=_("Manage a mailbox's suppression list: addresses that never get its mail."),
                 short_help=_("Manage the addresses that never get mail."))
    def unsubscribe():
        pass

    @unsubscribe.command(help=_("Add addresses to the suppression list."))
    @click.argument("addresses", nargs=-1, required=True)
    @click.option("--source", default="", help=_("Where the request came from, e.g. a reply."))
    @mailbox_options
    def add(addresses, source, **options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_add
        return run_unsubscribe_add(choice(**options), addresses, source)

    @unsubscribe.command(help=_("Remove addresses from the suppression list."))
    @click.argument("addresses", nargs=-1, required=True)
    @mailbox_options
    def remove(addresses, **options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_remove
        return run_unsubscribe_remove(choice(**options), addresses)

    @unsubscribe.command("list", help=_("Show the suppression list."))
    @mailbox_options
    def list_(**options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_list
        return run_unsubscribe_list(choice(**options))

    @unsubscribe.command("import", help=_("Add the addresses in the first column of a CSV or "
                                          "Excel file."))
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
    @click.option("--source", default="", help=_("Where the list came from (default: the file "
                                                 "name)."))
    @mailbox_options
    def import_(path, source, **options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_import
        return run_unsubscribe_import(choice(**options), path, source)

    @unsubscribe.command(help=_("Read replies saved from your mail program (.eml files, folders "
                                "of them, or .mbox files) and add the sender of each reply "
                                "whose subject or first line is \"הסר\" or \"unsubscribe\"."))
    @click.argument("paths", nargs=-1, required=True,
                    type=click.Path(path_type=Path, exists=True))
    @mailbox_options
    def scan(paths, **options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_scan
        return run_unsubscribe_scan(choice(**options), paths)

    @unsubscribe.command(help=_("Store the key that signs the {token} of the unsubscribe URL."))
    @click.option("--generate", is_flag=True,
                  help=_("Make a new random key, store it and show it once."))
    @click.option("--key-stdin", is_flag=True, help=_("Read the key from standard input."))
    @click.option("--delete", is_flag=True, help=_("Remove the stored key."))
    @mailbox_options
    def key(generate, key_stdin, delete, **options):
        from hypermailer.unsubscribe_commands import run_unsubscribe_key
        return run_unsubscribe_key(choice(**options), generate, key_stdin, delete)

    return unsubscribe
