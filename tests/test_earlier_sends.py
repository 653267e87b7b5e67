"""Tests for noticing that a recent campaign already mailed a new campaign's addresses."""

from __future__ import annotations

import os
import time

from hypermailer import journal as events
from hypermailer.earlier_sends import RECENT_DAYS, earlier_campaigns
from hypermailer.journal import Journal


def write_journal(folder, campaign_id, sent=(), failed=()):
    with Journal(folder, campaign_id) as journal:
        for row, key in enumerate(sent, start=2):
            journal.record(events.SENT, key, row)
        for row, key in enumerate(failed, start=50):
            journal.record(events.FAILED, key, row)
    return folder / f"{campaign_id}.jsonl"


def test_earlier_campaigns_counts_sent_overlap(tmp_path):
    write_journal(tmp_path, "june", sent=["a@example.com", "b@example.com"], failed=["c@example.com"])
    write_journal(tmp_path, "may", sent=["a@example.com"])

    found = earlier_campaigns(tmp_path, "new", ["a@example.com", "b@example.com", "c@example.com"])

    assert [(earlier.campaign_id, earlier.count) for earlier in found] == [("june", 2), ("may", 1)]


def test_earlier_campaigns_skips_own_journal(tmp_path):
    write_journal(tmp_path, "june", sent=["a@example.com"])

    assert earlier_campaigns(tmp_path, "june", ["a@example.com"]) == []


def test_earlier_campaigns_ignores_old_journals(tmp_path):
    old = write_journal(tmp_path, "last-year", sent=["a@example.com"])
    long_ago = time.time() - (RECENT_DAYS + 1) * 24 * 60 * 60
    os.utime(old, (long_ago, long_ago))

    assert earlier_campaigns(tmp_path, "new", ["a@example.com"]) == []
