"""Terminal output for the CLI: problem tables, summaries and the progress bar."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table

from hypermailer import journal as events
from hypermailer import run_report
from hypermailer.checking import CheckReport
from hypermailer.engine import RunSummary
from hypermailer.i18n import _
from hypermailer.status import entry_text

# soft_wrap leaves line breaking to the terminal, so a message piped to a
# file or another program keeps each sentence on one line.
console = Console(stderr=False, highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def show_problems(report: CheckReport) -> None:
    """Print one line per problem, campaign-level ones first."""
    if not report.problems:
        return
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column(_("Row"), justify="right")
    table.add_column(_("Severity"))
    table.add_column(_("Problem"), overflow="fold")
    ordered = sorted(report.problems, key=lambda problem: (problem.row or 0))
    for problem in ordered:
        row = "" if problem.row is None else str(problem.row)
        severity = {"error": _("error"), "warning": _("warning"), "info": _("skipped")}.get(
            problem.severity, problem.severity)
        table.add_row(row, f"[{SEVERITY_STYLE.get(problem.severity, '')}]{severity}[/]",
                      problem.message)
    console.print(table)


def show_check_summary(report: CheckReport) -> None:
    errors_count = sum(1 for problem in report.problems if problem.severity == "error")
    warnings = sum(1 for problem in report.problems if problem.severity == "warning")
    skipped = sum(1 for problem in report.problems if problem.severity == "info")
    console.print(_("Valid rows: {ready}. Errors: {errors}. Warnings: {warnings}. "
                    "Skipped on purpose (duplicate, unsubscribed, hidden): {skipped}. "
                    "Mailbox: {mailbox}.").format(
        ready=len(report.ready), errors=errors_count, warnings=warnings, skipped=skipped,
        mailbox=report.mailbox.name))


def show_journal_outcomes(report: CheckReport, entries: dict, campaign_id: str, *,
                          list_rows: bool) -> None:
    """Print what earlier runs of the campaign did; with *list_rows*, each row that did not go."""
    if not entries:
        return
    counts = Counter(entry.event for entry in entries.values())
    never_tried = sum(1 for recipient in report.ready if recipient.key not in entries)
    console.print(_("Earlier runs of campaign {campaign}: sent {sent}, failed {failed}, may have "
                    "been sent {uncertain}, not sent yet {waiting}.").format(
        campaign=campaign_id, sent=counts[events.SENT], failed=counts[events.FAILED],
        uncertain=counts[events.UNCERTAIN] + counts[events.ATTEMPT],
        waiting=counts[events.DEFERRED] + never_tried))
    if list_rows:
        show_entries(entry for entry in entries.values() if entry.event != events.SENT)


def show_entries(entries) -> None:
    """Print one line per journal entry, in sheet order: row, address and status text."""
    for entry in sorted(entries, key=lambda entry: entry.row):
        console.print(_("Row {row} ({address}): {status}").format(
            row=entry.row, address=entry.key, status=entry_text(entry)), markup=False)


def show_run_summary(summary: RunSummary, entries: dict | None = None) -> None:
    """Print the run's counts, the rows that failed or may have been sent, and what to do next."""
    console.print(run_report.counts_line(summary))
    if entries:
        attention = {row for row, event in summary.outcomes.items()
                     if event in (events.FAILED, events.UNCERTAIN)}
        show_entries(entry for entry in entries.values() if entry.row in attention
                     and entry.event in (events.FAILED, events.UNCERTAIN))
    for note in run_report.next_steps(summary, run_report.CLI):
        console.print(note)
    if summary.stopped:
        errors.print(run_report.stop_line(summary), style="red", markup=False)


@contextmanager
def progress_bar(total: int):
    """Yield a callback that advances a progress bar with an ETA on standard error."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=errors,
                        transient=False)
    with progress:
        task = progress.add_task(_("Sending"), total=total)

        def advance(done, _total, _recipient, _event):
            progress.update(task, completed=done)

        yield advance
