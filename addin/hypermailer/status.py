"""The status column: each row's outcome as text, rebuilt from the journal.

The journal is the source of truth. The column is a view of it plus the
check's findings, so it can be rebuilt at any time, for example after Excel
closed without saving.
"""

from __future__ import annotations

from datetime import datetime

from hypermailer import journal as events
from hypermailer.checking import CheckReport
from hypermailer.i18n import _
from hypermailer.journal import Entry

MAX_STATUS_CHARS = 500


def entry_text(entry: Entry) -> str:
    """Describe a journal entry for the status column, in the active language."""
    when = _local_time(entry.time)
    # HyperMailer's own explanations already quote the reply code.
    code = str(entry.code or "")
    reply = entry.reply if code in entry.reply else " ".join(part for part in (code, entry.reply) if part)
    if entry.event == events.SENT:
        return _("Sent {time} {message_id}").format(time=when, message_id=entry.message_id)
    if entry.event == events.FAILED:
        return _("Failed {time}: {reply}").format(time=when, reply=reply)
    if entry.event in (events.UNCERTAIN, events.ATTEMPT):
        return _("May have been sent {time} {message_id}: the connection ended before the server "
                 "replied. Not retried unless you ask.").format(
            time=when, message_id=entry.message_id)
    # A reply that ends a sentence already has its period.
    return _("Not sent yet {time}: {reply}. The next run tries again.").format(
        time=when, reply=reply.rstrip().rstrip("."))


def row_statuses(report: CheckReport, entries: dict[str, Entry], waiting: str = "") -> dict[int, str]:
    """Return the status text of every row the check saw, by sheet row number.

    *waiting* is the status of ready rows the journal has no record of, such as
    rows a run left for the next day's limit.
    """
    statuses: dict[int, list[str]] = {}
    for problem in report.problems:
        if problem.row is not None:
            statuses.setdefault(problem.row, []).append(_problem_text(problem))
    for recipient in report.ready:
        texts = statuses.setdefault(recipient.row, [])
        entry = entries.get(recipient.key)
        if entry is not None:
            texts.insert(0, entry_text(entry))
        elif waiting:
            texts.insert(0, waiting)
    return {row: _clip(" | ".join(texts)) for row, texts in statuses.items()}


def _problem_text(problem) -> str:
    if problem.severity == "error":
        return _("Skipped: {reason}").format(reason=problem.message)
    if problem.severity == "warning":
        return _("Warning: {reason}").format(reason=problem.message)
    return problem.message


def _local_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _clip(text: str) -> str:
    if len(text) <= MAX_STATUS_CHARS:
        return text
    return text[:MAX_STATUS_CHARS - 1] + "…"


def waiting_text(mailbox_name: str, until: datetime) -> str:
    """Return the status of rows that wait for the daily limit of a mailbox to free up at *until*."""
    resume = until.astimezone().strftime("%Y-%m-%d %H:%M")
    return _("Waiting: the daily limit of mailbox {mailbox} was reached; sending can continue "
             "after {time}.").format(mailbox=mailbox_name, time=resume)
