"""The CLI's campaign commands (check, preview, send, workbook new), between option
parsing and the core.

Each ``run_*`` function returns the process exit code. The mailbox and
unsubscribe commands live in :mod:`hypermailer.mailbox_commands` and
:mod:`hypermailer.unsubscribe_commands`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import click

from hypermailer import output, run_report, session
from hypermailer import journal as events
from hypermailer.campaign import Mailbox
from hypermailer.checking import CheckReport, build_message, check_campaign
from hypermailer.compose import message_bytes, new_message_id
from hypermailer.engine import Options, RunSummary, pending_recipients, send_campaign
from hypermailer.errors import ConfigurationError, WorkbookError
from hypermailer.i18n import _, ngettext

EXIT_OK, EXIT_ROWS_FAILED, EXIT_CONFIGURATION = 0, 1, 2

#: Replies that confirm a send, in English and Hebrew ("כן" is "yes").
YES_ANSWERS = frozenset({"y", "yes", "כ", "כן"})


@dataclass(frozen=True)
class SendRequest:
    assume_yes: bool = False
    dry_run: bool = False
    limit: int | None = None
    rows_text: str = ""
    retry_uncertain: bool = False
    retry_failed: bool = False
    new_campaign: bool = False
    test_address: str | None = None
    write_status: bool | None = None


def run_check(path: Path, overrides: session.Overrides, write_status: bool | None) -> int:
    campaign, mailbox, report = _load_and_check(path, overrides)
    output.show_problems(report)
    output.show_check_summary(report)
    campaign_id = session.campaign_id_for(campaign)
    entries = session.journal_entries(campaign_id)
    writes = _should_write(campaign, write_status)
    # A CSV or other file without a status column learns its rows' outcomes here.
    notes = (run_report.content_change_note(replace(campaign, campaign_id=campaign_id), entries,
                                            run_report.CLI),
             run_report.earlier_campaign_note(report.ready, entries, campaign_id, run_report.CLI))
    for note in notes:
        if note:
            output.errors.print(note, style="yellow", markup=False)
    output.show_journal_outcomes(report, entries, campaign_id,
                                 list_rows=not (writes and campaign.source_path.suffix.lower()
                                                in (".xlsx", ".xlsm")))
    session.write_back(campaign, report, entries, write_status=writes)
    return EXIT_CONFIGURATION if report.fatal else _exit_for_problems(report)


def run_preview(path: Path, overrides: session.Overrides, row: int | None,
                output_file: Path | None) -> int:
    if output_file is not None and output_file.suffix.lower() not in (".eml", ".html", ".htm"):
        raise ConfigurationError(_("{path}: the preview file name must end in .eml or .html.")
                                 .format(path=output_file))
    campaign, mailbox, report = _load_and_check(path, overrides)
    if report.fatal:
        output.show_problems(report)
        return EXIT_CONFIGURATION
    recipient = _pick_row(report, row)
    message = build_message(campaign, mailbox, report.templates, recipient,
                            message_id=new_message_id(mailbox.from_address),
                            date=datetime.now(timezone.utc))
    if output_file is None:
        _print_message(message)
    elif output_file.suffix.lower() in (".html", ".htm"):
        html = message.get_body(preferencelist=("html",)).get_content()
        output_file.write_text(html, encoding="utf-8")
    else:
        output_file.write_bytes(message_bytes(message))
    if output_file is not None:
        output.console.print(_("Row {row} saved to {path}.").format(row=recipient.row,
                                                                    path=output_file))
    return EXIT_OK


def run_send(path: Path, overrides: session.Overrides, request: SendRequest) -> int:
    campaign, mailbox, report = _load_and_check(path, overrides)
    output.show_problems(report)
    if report.fatal:
        output.show_check_summary(report)
        return EXIT_CONFIGURATION
    if request.test_address is not None:
        return _send_test(campaign, mailbox, report, request)

    options = Options(rows=_parse_rows(request.rows_text), limit=request.limit,
                      retry_uncertain=request.retry_uncertain, retry_failed=request.retry_failed)
    if request.dry_run:
        if request.new_campaign:
            raise ConfigurationError(_("--new-campaign cannot be combined with --dry-run: a dry "
                                       "run changes nothing."))
        return _dry_run(campaign, report, options)
    if request.new_campaign:
        campaign = replace(campaign, campaign_id=session.new_campaign_id())
    campaign = session.ensure_campaign_id(campaign)
    with session.open_journal(campaign.campaign_id) as journal:
        pending = pending_recipients(report, journal, options)
        output.show_check_summary(report)
        for note in (run_report.content_change_note(campaign, journal.entries, run_report.CLI),
                     "" if request.new_campaign else run_report.earlier_campaign_note(
                         pending, journal.entries, campaign.campaign_id, run_report.CLI)):
            if note:
                output.errors.print(note, style="yellow", markup=False)
        if not pending:
            output.console.print(_nothing_to_send(report, options, campaign.campaign_id))
            session.write_back(campaign, report, journal.entries,
                               write_status=_should_write(campaign, request.write_status))
            return _exit_for_earlier_outcomes(report, journal.entries)
        if not request.assume_yes:
            _confirm(len(pending), mailbox)
        session.keep_workbook_unsubscribes(campaign, mailbox)

        transport = session.open_transport(mailbox)
        summary = None
        try:
            with output.progress_bar(len(pending)) as advance:
                summary = send_campaign(campaign, mailbox, report, transport, journal,
                                        options=options, on_progress=advance,
                                        quota=session.open_quota(mailbox),
                                        minute_ledger=session.open_minute_ledger(mailbox),
                                        more_transports=lambda: session.open_transport(mailbox))
        finally:
            written = _write_back_after_run(campaign, report, journal.entries, summary,
                                            _should_write(campaign, request.write_status))
    output.show_run_summary(summary, journal.entries)
    _show_run_notes(campaign, mailbox, report, request)
    if summary.interrupted:
        return EXIT_ROWS_FAILED
    if summary.stopped:
        return EXIT_CONFIGURATION
    if not written:
        return EXIT_ROWS_FAILED
    return EXIT_OK if summary.all_went and not report.errors else EXIT_ROWS_FAILED


def _dry_run(campaign, report: CheckReport, options: Options) -> int:
    """Count what a send would do, reading the journal without locking or changing anything."""
    campaign_id = session.campaign_id_for(campaign)
    already = RunSummary(campaign_id=campaign_id, mailbox="")
    pending = pending_recipients(report, JournalView(session.journal_entries(campaign_id)),
                                 options, already)
    output.show_check_summary(report)
    if already.already_done:
        output.console.print(ngettext(
            "{count} row was already handled in campaign {campaign} and is left out.",
            "{count} rows were already handled in campaign {campaign} and are left out.",
            already.already_done).format(count=already.already_done, campaign=campaign_id))
    output.console.print(ngettext(
        "Dry run: {count} message rendered and checked; nothing was sent.",
        "Dry run: {count} messages rendered and checked; nothing was sent.",
        len(pending)).format(count=len(pending)))
    return _exit_for_problems(report)


@dataclass(frozen=True)
class JournalView:
    """The read-only part of a journal that :func:`pending_recipients` uses."""

    entries: dict


def _nothing_to_send(report: CheckReport, options: Options, campaign_id: str) -> str:
    """Explain why no row is pending: none valid, none selected, or all handled before."""
    if not report.ready and not report.problems:
        return _("Nothing to send: the list has no recipients.")
    if not report.ready:
        return _("Nothing to send: no row is valid; the problems are listed above.")
    if options.rows is not None and not any(r.row in options.rows for r in report.ready):
        return _("Nothing to send: no valid row is among the rows chosen with --rows.")
    return _("Nothing to send: every valid row was already handled in campaign {campaign}. "
             "`hypermailer check` with the same options shows each row's outcome.").format(
        campaign=campaign_id)


def _exit_for_earlier_outcomes(report: CheckReport, entries) -> int:
    """Return 1 while an earlier run left a row failed or possibly sent, as that run did."""
    unsettled = (events.FAILED, events.UNCERTAIN, events.ATTEMPT, events.DEFERRED)
    if any(entries.get(r.key) and entries[r.key].event in unsettled for r in report.ready):
        return EXIT_ROWS_FAILED
    return _exit_for_problems(report)


def _show_run_notes(campaign, mailbox: Mailbox, report: CheckReport,
                    request: SendRequest) -> None:
    """Print what the summary line leaves out: skipped rows, the outbox, how to resume."""
    error_rows = len({problem.row for problem in report.errors if problem.row is not None})
    if error_rows:
        output.console.print(ngettext(
            "{count} row was skipped because of an error; the problems are listed above.",
            "{count} rows were skipped because of errors; the problems are listed above.",
            error_rows).format(count=error_rows))
    if mailbox.kind == "pickup" and mailbox.folder is not None:
        output.console.print(_("The messages are in {folder}.").format(folder=mailbox.folder))
    if request.new_campaign and not campaign.is_hypermailer_workbook:
        output.console.print(_("To continue this campaign later, add --campaign {campaign} to "
                               "the command.").format(campaign=campaign.campaign_id))


def _write_back_after_run(campaign, report: CheckReport, entries, summary,
                          write_status: bool) -> bool:
    """Write statuses after a run; on failure warn instead of hiding the run's summary.

    The journal already contains every outcome, so a later ``check`` rewrites
    the column once the workbook can be written again.
    """
    try:
        session.write_back(campaign, report, entries, summary=summary, write_status=write_status)
    except WorkbookError as error:
        output.errors.print(_("The statuses could not be written into the workbook: {error}. "
                              "Nothing is lost: the journal records every message. Close the "
                              "workbook, then run `hypermailer check {path}` to write them.")
                            .format(error=error, path=campaign.source_path), markup=False)
        return False
    return True


def _send_test(campaign, mailbox: Mailbox, report: CheckReport, request: SendRequest) -> int:
    address = request.test_address or campaign.test_address
    if not address:
        raise ConfigurationError(_("No test address: fill the TestAddress cell or give --test "
                                   "ADDRESS."))
    rows = _parse_rows(request.rows_text)
    recipient = _pick_row(report, min(rows) if rows else None)
    message = build_message(campaign, mailbox, report.templates, recipient,
                            message_id=new_message_id(mailbox.from_address),
                            date=datetime.now(timezone.utc), to_address=address)
    with session.open_transport(mailbox) as transport:
        delivery = transport.send(mailbox.from_address, [address], message_bytes(message))
    output.console.print(_("Test message for row {row} sent to {address}: {reply}").format(
        row=recipient.row, address=address, reply=delivery.reply))
    return EXIT_OK


def run_workbook_new(path: Path, language: str, force: bool) -> int:
    from hypermailer.workbook.build import build_workbook
    if path.exists() and not force:
        raise ConfigurationError(_("{path} already exists. Choose another name or add --force.")
                                 .format(path=path))
    if path.suffix.lower() not in (".xlsm", ".xlsx"):
        raise ConfigurationError(_("{path}: the workbook name must end in .xlsm or .xlsx.")
                                 .format(path=path))
    build_workbook(path, language=language)
    output.console.print(_("Created {path}. Try: hypermailer send {path}").format(path=path))
    return EXIT_OK


def _load_and_check(path: Path, overrides: session.Overrides):
    campaign = session.load_campaign(path, overrides)
    mailbox = session.choose_mailbox(campaign, overrides.mailbox_file)
    campaign = session.with_mailbox_lists(campaign, mailbox)
    return campaign, mailbox, check_campaign(campaign, mailbox)


def _pick_row(report: CheckReport, row: int | None):
    if not report.ready:
        raise ConfigurationError(_("No row can be sent; run `hypermailer check` to see why."))
    if row is None:
        return report.ready[0]
    for recipient in report.ready:
        if recipient.row == row:
            return recipient
    reasons = "; ".join(problem.message for problem in report.problems_for(row))
    if reasons:
        raise ConfigurationError(_("Row {row} cannot be sent: {reasons}").format(
            row=row, reasons=reasons))
    raise ConfigurationError(_("Row {row} is not a recipient row. The valid rows are {first} to "
                               "{last}.").format(row=row, first=report.ready[0].row,
                                                 last=report.ready[-1].row))


def _parse_rows(text: str) -> set[int] | None:
    """Parse ``2-10,15`` into a set of sheet row numbers; empty text selects every row."""
    if not text.strip():
        return None
    rows: set[int] = set()
    try:
        for part in text.replace(" ", "").split(","):
            first, _dash, last = part.partition("-")
            start, end = int(first), int(last or first)
            if start > end or start < 1:
                raise ValueError(part)
            rows.update(range(start, end + 1))
    except ValueError as error:
        raise click.BadParameter(_("{text!r} is not a row list; write it like 2-10,15.").format(
            text=text), param_hint="--rows") from error
    return rows


def _confirm(count: int, mailbox: Mailbox) -> None:
    question = session.send_question(count, mailbox, session.open_quota(mailbox))
    answer = click.prompt(question + " " + _("[y/N]"), default="", show_default=False)
    if answer.strip().casefold() not in YES_ANSWERS:
        raise click.exceptions.Abort()


def _print_message(message) -> None:
    for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID"):
        if message[name]:
            output.console.print(f"{name}: {message[name]}", markup=False)
    attachments = [part.get_filename() for part in message.iter_attachments()]
    if attachments:
        output.console.print(_("Attachments: {names}").format(names=", ".join(attachments)))
    output.console.print()
    output.console.print(message.get_body(preferencelist=("plain",)).get_content(), markup=False)


def _should_write(campaign, write_status: bool | None) -> bool:
    if write_status is None:
        return campaign.is_hypermailer_workbook
    return write_status


def _exit_for_problems(report: CheckReport) -> int:
    return EXIT_ROWS_FAILED if report.errors else EXIT_OK

