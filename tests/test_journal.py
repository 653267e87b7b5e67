import json

import pytest

from hypermailer import journal as events
from hypermailer.journal import Journal, JournalError, journal_path, read_entries


def test_journal_record_survives_reopen(tmp_path):
    with Journal(tmp_path, "c1") as journal:
        journal.record(events.ATTEMPT, "dana@example.com", 2, message_id="<a@example.com>")
        journal.record(events.SENT, "dana@example.com", 2, message_id="<a@example.com>",
                       reply="250 OK")

    entries = read_entries(journal_path(tmp_path, "c1"))

    assert entries["dana@example.com"].event == events.SENT
    assert entries["dana@example.com"].message_id == "<a@example.com>"


def test_journal_record_flushed_before_close(tmp_path):
    journal = Journal(tmp_path, "c1")
    journal.open()
    journal.record(events.ATTEMPT, "dana@example.com", 2)

    text = journal_path(tmp_path, "c1").read_text(encoding="utf-8")

    assert json.loads(text.splitlines()[0])["event"] == events.ATTEMPT
    journal.close()


def test_journal_hebrew_reply_kept(tmp_path):
    with Journal(tmp_path, "c1") as journal:
        journal.record(events.FAILED, "a@example.com", 3, code=550, reply="תיבה לא קיימת")

    entry = read_entries(journal_path(tmp_path, "c1"))["a@example.com"]

    assert entry.reply == "תיבה לא קיימת"
    assert entry.code == 550


def test_journal_truncated_last_line_ignored(tmp_path):
    path = journal_path(tmp_path, "c1")
    path.write_bytes(b'{"key": "a@example.com", "event": "sent", "row": 2}\n{"key": "b@exa')

    entries = read_entries(path)

    assert list(entries) == ["a@example.com"]


def test_journal_damaged_middle_line_raises(tmp_path):
    path = journal_path(tmp_path, "c1")
    path.write_bytes(b'garbage\n{"key": "a@example.com", "event": "sent", "row": 2}\n')

    with pytest.raises(JournalError, match="line 1"):
        read_entries(path)


def test_journal_second_writer_rejected(tmp_path):
    with Journal(tmp_path, "c1"):
        with pytest.raises(JournalError):
            Journal(tmp_path, "c1").open()


def test_journal_campaign_id_made_safe_for_file_name(tmp_path):
    path = journal_path(tmp_path, "../evil/id")

    assert path.parent == tmp_path
    assert "/" not in path.name


def test_journal_partial_line_cut_before_append(tmp_path):
    path = journal_path(tmp_path, "c1")
    path.write_bytes(b'{"key": "a@example.com", "event": "sent", "row": 2}\n{"key": "b@exa')

    with Journal(tmp_path, "c1") as journal:
        journal.record(events.SENT, "c@example.com", 4)

    entries = read_entries(path)
    assert sorted(entries) == ["a@example.com", "c@example.com"]
