"""Send a checked campaign: pacing, retries, the journal, and per-row outcomes.

The engine has no user interface and prints nothing. Front ends pass a
progress callback and turn the returned :class:`RunSummary` into statuses,
messages and exit codes.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from hypermailer import journal as events
from hypermailer.campaign import Campaign, Mailbox
from hypermailer.checking import CheckReport, build_message
from hypermailer.clock import SystemClock
from hypermailer.compose import message_bytes, new_message_id
from hypermailer.errors import (AuthenticationError, ConfigurationError, ConnectError,
                                HyperMailerError, LoginUnavailable, PermanentFailure, SenderRejected,
                                TemporaryFailure, TLSError, TransportError, UncertainDelivery)
from hypermailer.i18n import _
from hypermailer.journal import Journal
from hypermailer.pacing import Pacer
from hypermailer.quota import DailyQuota, MinuteLedger
from hypermailer.recipients import Recipient
from hypermailer.transports.base import Transport

log = logging.getLogger(__name__)

#: Errors after which no further row can succeed, so the run stops.
STOPPING_ERRORS = (AuthenticationError, TLSError, ConfigurationError, ConnectError, SenderRejected)

#: Temporary replies that mean "too much, too fast", so the run slows down:
#: 452 always, 421 and 451 when their text speaks of a rate or a limit.
THROTTLE_CODES = frozenset({452})
THROTTLE_WORDS = re.compile(r"too many|rate|limit|throttl|slow down", re.IGNORECASE)


@dataclass
class RunSummary:
    """The result of one run. ``outcomes`` maps sheet rows to journal events of this run."""

    campaign_id: str
    mailbox: str
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    deferred: int = 0
    already_done: int = 0
    not_selected: int = 0
    stopped: str = ""
    interrupted: bool = False
    quota_until: datetime | None = None
    remaining: int = 0
    beyond_limit: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str) -> None:
        """Increase one counter by one; safe when several connections send at once."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    @property
    def all_went(self) -> bool:
        return not (self.failed or self.uncertain or self.deferred or self.stopped
                    or self.remaining)


@dataclass
class Options:
    """Run options chosen by the user.

    ``rows`` restricts the run to these sheet rows. ``limit`` caps the number
    of messages handed to the transport. ``retry_uncertain`` sends again rows
    that may have been sent, ``retry_failed`` rows that failed.
    """

    rows: Collection[int] | None = None
    limit: int | None = None
    retry_uncertain: bool = False
    retry_failed: bool = False
    max_attempts: int = 3
    backoff_seconds: float = 2.0
    throttle_seconds: float = 1.0
    jitter: float = 0.2
    random: random.Random = field(default_factory=random.Random)


ProgressCallback = Callable[[int, int, Recipient, str], None]


def pending_recipients(report: CheckReport, journal: Journal, options: Options,
                       summary: RunSummary | None = None) -> list[Recipient]:
    """Return the checked recipients this run will send, in sheet order."""
    pending = []
    for recipient in report.ready:
        if options.rows is not None and recipient.row not in options.rows:
            if summary:
                summary.not_selected += 1
            continue
        entry = journal.entries.get(recipient.key)
        if entry and entry.event in events.FINAL:
            resend = ((options.retry_uncertain and entry.event in (events.UNCERTAIN, events.ATTEMPT))
                      or (options.retry_failed and entry.event == events.FAILED))
            if not resend:
                if summary:
                    summary.already_done += 1
                continue
        pending.append(recipient)
    if options.limit is not None:
        if summary:
            summary.beyond_limit = max(len(pending) - options.limit, 0)
        pending = pending[:options.limit]
    return pending


def send_campaign(campaign: Campaign, mailbox: Mailbox, report: CheckReport,
                  transport: Transport, journal: Journal, *, options: Options | None = None,
                  clock=None, on_progress: ProgressCallback | None = None,
                  quota: DailyQuota | None = None,
                  more_transports: Callable[[], Transport] | None = None,
                  minute_ledger: MinuteLedger | None = None) -> RunSummary:
    """Send every pending checked row of *campaign* through *transport*.

    Rows the journal marks as sent, failed or possibly sent are skipped. One
    failing row never stops the others; an authentication, TLS, configuration
    or connection failure stops the run, and the remaining rows stay pending.
    When *quota* (the mailbox's rolling 24-hour count) is used up, the run
    stops cleanly and ``quota_until`` is the time sending can continue.
    *minute_ledger* shares the per-minute limit with other processes that send
    through the same mailbox. *more_transports* is a factory of further connections. With it, up to
    ``mailbox.connections`` connections send at once, and they all share the
    pacing, the quota and the journal.
    """
    options = options or Options()
    clock = clock or SystemClock()
    summary = RunSummary(campaign_id=journal.campaign_id, mailbox=mailbox.name)
    pending = pending_recipients(report, journal, options, summary)
    pacer = Pacer(clock, per_minute=mailbox.per_minute,
                  per_day=0 if quota is not None else mailbox.per_day, shared=minute_ledger)
    run = _Run(campaign, mailbox, report, journal, clock, options, pacer, quota, summary,
               pending, on_progress)

    extra = 0
    if more_transports is not None:
        extra = max(min(mailbox.connections, len(pending)) - 1, 0)
    threads = [threading.Thread(target=run.work_with_new, args=(more_transports,),
                                name=f"hypermailer-send-{number}", daemon=True)
               for number in range(1, extra + 1)]
    for thread in threads:
        thread.start()
    try:
        run.work(transport)
    finally:
        _join_all(threads, run)
    run.settle()

    if isinstance(run.error, KeyboardInterrupt):
        # Ctrl-C ends the run like any stop: the journal has every outcome so far.
        summary.interrupted = True
        summary.stopped = _("interrupted by the user")
        return summary
    if run.error is not None:
        raise run.error
    return summary


def _join_all(threads: list[threading.Thread], run: "_Run") -> None:
    """Wait for every connection to finish; Ctrl-C here stops them and waits again.

    The journal must stay open until the last connection has recorded its
    outcome, so this never returns while one is still sending.
    """
    while any(thread.is_alive() for thread in threads):
        try:
            for thread in threads:
                thread.join()
        except KeyboardInterrupt as error:
            run.record_error(error)


class _Run:
    """The state one run's connections share: the queue of rows, counters and limits.

    Each connection calls :meth:`work`, which takes the next row under the
    lock, sends it outside the lock, and records the outcome under the lock.
    A stop (an error, Ctrl-C) sets :attr:`stop`, which every connection checks
    before it sends; rows taken but not sent stay pending for the next run.
    """

    def __init__(self, campaign, mailbox, report, journal, clock, options, pacer, quota,
                 summary, pending, on_progress) -> None:
        self.campaign, self.mailbox, self.report = campaign, mailbox, report
        self.journal, self.clock, self.options = journal, clock, options
        self.pacer, self.quota, self.summary = pacer, quota, summary
        self.pending, self.on_progress = pending, on_progress
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.next_index = 0
        self.done = 0
        self.in_flight = 0
        self.quota_full = False
        self.error: BaseException | None = None

    def record_error(self, error: BaseException) -> None:
        """Stop every connection; Ctrl-C wins over any other error as the reason."""
        with self.lock:
            if self.error is None or isinstance(error, KeyboardInterrupt):
                self.error = error
            self.summary.stopped = self.summary.stopped or str(error)
        self.stop.set()

    def work_with_new(self, make_transport: Callable[[], Transport]) -> None:
        try:
            transport = make_transport()
        except HyperMailerError as error:
            # The first connection still sends; if the cause affects it too
            # (a wrong password), its own attempt stops the run.
            log.warning("an extra connection to mailbox %s could not be opened: %s",
                        self.mailbox.name, error)
            return
        self.work(transport)

    def work(self, transport: Transport) -> None:
        try:
            while (recipient := self._take()) is not None:
                if not self.pacer.wait(self.stop) or self.stop.is_set():
                    self._release()
                    break
                event = _send_one(self.campaign, self.mailbox, self.report, transport,
                                  self.journal, self.clock, self.options, recipient,
                                  self.summary, self.pacer)
                self._finish(recipient, event)
                if self.summary.stopped:
                    self.stop.set()
        except BaseException as error:  # noqa: BLE001  (re-raised by send_campaign)
            self.record_error(error)
        finally:
            transport.close()

    def _take(self) -> Recipient | None:
        """Return the next row to send, or None when the run is over or must stop."""
        with self.lock:
            if self.stop.is_set() or self.summary.stopped or self.quota_full:
                return None
            if self.next_index >= len(self.pending):
                return None
            if self.quota is not None:
                left = self.quota.remaining()
                # Rows being sent may still use up what is left of the day.
                if left is not None and left - self.in_flight <= 0:
                    self.quota_full = True
                    return None
            recipient = self.pending[self.next_index]
            self.next_index += 1
            self.in_flight += 1
            return recipient

    def _release(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def _finish(self, recipient: Recipient, event: str) -> None:
        with self.lock:
            # A message that may have been sent counts too: the provider may have it.
            if event in (events.SENT, events.UNCERTAIN) and self.quota is not None:
                self.quota.count(1 + len(recipient.cc))
            self.in_flight -= 1
            self.done += 1
            self.summary.outcomes[recipient.row] = event
            if self.on_progress:
                self.on_progress(self.done, len(self.pending), recipient, event)

    def settle(self) -> None:
        """After every connection finished, count the rows never tried and set when the quota frees up."""
        summary = self.summary
        summary.remaining = len(self.pending) - self.done
        if not self.quota_full or summary.stopped:
            return
        summary.quota_until = self.quota.next_free()
        log.warning("daily limit of mailbox %s reached; %d rows wait until %s",
                    self.mailbox.name, summary.remaining, summary.quota_until)


def _send_one(campaign: Campaign, mailbox: Mailbox, report: CheckReport, transport: Transport,
              journal: Journal, clock, options: Options, recipient: Recipient,
              summary: RunSummary, pacer: Pacer) -> str:
    message_id = new_message_id(mailbox.from_address)
    try:
        message = build_message(campaign, mailbox, report.templates, recipient,
                                message_id=message_id, date=clock.now())
        data = message_bytes(message)
    except (HyperMailerError, OSError, ValueError) as error:
        # Something changed since the check, such as a deleted attachment.
        return _record(journal, summary, events.FAILED, recipient, message_id, error)
    envelope = [recipient.address, *recipient.cc]

    def record_attempt() -> None:
        # Written just before the data goes: from here on, a crash leaves the
        # row "may have been sent"; before it, the row is simply still pending.
        journal.record(events.ATTEMPT, recipient.key, recipient.row, message_id=message_id)

    for attempt in range(1, options.max_attempts + 1):
        try:
            delivery = transport.send(mailbox.from_address, envelope, data,
                                      on_data=record_attempt)
        except UncertainDelivery as error:
            return _record(journal, summary, events.UNCERTAIN, recipient, message_id, error)
        except PermanentFailure as error:
            return _record(journal, summary, events.FAILED, recipient, message_id, error)
        except STOPPING_ERRORS as error:
            if isinstance(error, ConnectError) and attempt < options.max_attempts:
                _back_off(transport, clock, options, attempt, recipient, error)
                continue
            summary.stopped = stop_reason(mailbox, error)
            # The row's status shows HyperMailer's explanation, which includes
            # what to do, rather than the server's bare reply.
            return _record(journal, summary, events.DEFERRED, recipient, message_id, error,
                           reply=str(error))
        except (TemporaryFailure, TransportError) as error:
            throttled = _is_throttling(error)
            if throttled:
                pacer.slow_down(options.throttle_seconds)
            if attempt < options.max_attempts:
                # Journal the refusal before the wait, so a crash during the wait
                # leaves the row "not sent" rather than "may have been sent".
                journal.record(events.DEFERRED, recipient.key, recipient.row,
                               message_id=message_id, code=getattr(error, "code", None),
                               reply=getattr(error, "reply", None) or str(error))
                try:
                    _back_off(transport, clock, options, attempt, recipient, error)
                except KeyboardInterrupt:
                    # No data went in this attempt, so the row is simply not sent yet.
                    _record(journal, summary, events.DEFERRED, recipient, message_id, error)
                    raise
                continue
            # The retries are used up. A "too many" reply is about the pace, not
            # the row, so the row waits for the next run. Any other temporary
            # failure fails the row with the last reply.
            event = events.DEFERRED if throttled else events.FAILED
            return _record(journal, summary, event, recipient, message_id, error)
        except HyperMailerError as error:
            summary.stopped = str(error)
            return _record(journal, summary, events.DEFERRED, recipient, message_id, error)

        if recipient.address.casefold() in {address.casefold() for address in delivery.refused}:
            # The server took the message for a CC only; the row's own recipient has nothing.
            refusal = PermanentFailure(_("the server refused {address}; {reply}").format(
                address=recipient.address, reply=delivery.reply), reply=delivery.reply)
            return _record(journal, summary, events.FAILED, recipient, message_id, refusal)
        reply = delivery.reply
        if delivery.refused:
            reply = _("{reply}; refused: {addresses}").format(
                reply=reply, addresses=", ".join(delivery.refused))
        journal.record(events.SENT, recipient.key, recipient.row, message_id=message_id,
                       content=campaign.content_fingerprint(),
                       reply=reply)
        summary.add("sent")
        pacer.accepted()
        log.info("row %d sent, Message-ID %s", recipient.row, message_id)
        return events.SENT
    raise AssertionError("the retry loop always returns")


def stop_reason(mailbox: Mailbox, error: Exception) -> str:
    """Return why the run stopped, naming the mailbox and the step that failed."""
    steps = ((AuthenticationError, _("login")), (LoginUnavailable, _("login")), (TLSError, _("TLS")),
             (ConnectError, _("connection")), (SenderRejected, _("sender address")),
             (ConfigurationError, _("settings")))
    step = next((name for kind, name in steps if isinstance(error, kind)), "")
    if not step:
        return str(error)
    return _("mailbox {mailbox}, step {step}: {error}").format(
        mailbox=mailbox.name, step=step, error=error)


def _is_throttling(error: Exception) -> bool:
    code = getattr(error, "code", None)
    if code in THROTTLE_CODES:
        return True
    reply = getattr(error, "reply", None) or ""
    return code in (421, 451) and bool(THROTTLE_WORDS.search(reply))


def _back_off(transport: Transport, clock, options: Options, attempt: int,
              recipient: Recipient, error: Exception) -> None:
    """Close the connection and wait before the next attempt on a fresh one."""
    delay = options.backoff_seconds * 2 ** (attempt - 1)
    delay *= 1 + options.random.uniform(-options.jitter, options.jitter)
    log.warning("row %d: %s; retrying in %.0f s (attempt %d of %d)", recipient.row, error, delay,
                attempt + 1, options.max_attempts)
    transport.close()
    clock.sleep(delay)


def _record(journal: Journal, summary: RunSummary, event: str, recipient: Recipient,
            message_id: str, error: Exception, reply: str | None = None) -> str:
    code = getattr(error, "code", None)
    reply = reply or getattr(error, "reply", None) or str(error)
    journal.record(event, recipient.key, recipient.row, message_id=message_id, code=code,
                   reply=reply)
    counter = {events.FAILED: "failed", events.UNCERTAIN: "uncertain",
               events.DEFERRED: "deferred"}[event]
    summary.add(counter)
    log.error("row %d %s: %s", recipient.row, event, error)
    return event
