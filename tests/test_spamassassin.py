"""The spam-score gate: the sample campaigns' messages, scored by a real SpamAssassin.

SpamAssassin runs with its local rules only (``-L``: no DNS blocklists, no
Razor, no network) and without Bayes, so the scores depend on the rules
installed and nothing else. The messages are every row of the Hebrew and the
English sample campaign, with and without attachments, as an advertisement
or not, and with a one-click unsubscribe URL. Each must score below 2.0. None
may trip a rule about malformed headers, a missing Date or Message-ID, HTML
without text, or bad MIME structure or encoding.

The scoring tests are skipped where ``spamassassin`` cannot run, unless the
environment sets ``HYPERMAILER_REQUIRE_SPAMASSASSIN=1``: then they fail.
``.ci/run`` installs SpamAssassin from Debian's packages and sets that variable
when the install left ``spamassassin`` on PATH.
"""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email import message_from_bytes
from pathlib import Path

import pytest

from hypermailer import session
from hypermailer.checking import build_message, check_campaign
from hypermailer.compose import message_bytes, new_message_id
from hypermailer.workbook.build import build_workbook

SPAMASSASSIN = shutil.which("spamassassin")

#: Set to 1 (as ``.ci/run`` does) to fail instead of skip when SpamAssassin cannot run.
REQUIRE_VARIABLE = "HYPERMAILER_REQUIRE_SPAMASSASSIN"

MAX_SCORE = 2.0

#: Rules about broken headers, dates, Message-IDs, MIME structure and encodings.
#: Any of them firing means the message builder is wrong, whatever the score.
FORBIDDEN_RULES = re.compile(
    r"MISSING_|INVALID_|MALF|MIME_|MIMEPART|MPART_ALT|HTML_ONLY|HTML_MIME_NO_HTML_TAG"
    r"|HTML_MISSING_CTYPE|CHARSET|BAD_ENC|_ENCODED|EXCESS_BASE64|BASE64_LENGTH|BODY_8BITS"
    r"|CTE_8BIT|BOGUS_MIME|MSGID|(?:^|_)MID(?:_|$)|DATE_IN_|KB_DATE|HEADER_COUNT|NO_HEADERS"
    r"|SUBJECT_NEEDS_ENCODING|HB_SEP|NO_BRKTS|RATWARE"
)

UNSUBSCRIBE_URL = "https://example.com/unsubscribe?e={address}&t={token}"

#: A one-page PDF with a line of text, small enough to read in a test.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
       b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 770 Td (Price list 2025) Tj ET\nendstream\n"
       b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def spamassassin_problem() -> str | None:
    """Run ``spamassassin --version``, and return why SpamAssassin cannot run or None if it can."""
    if SPAMASSASSIN is None:
        return "spamassassin is not on PATH"
    try:
        completed = subprocess.run([SPAMASSASSIN, "--version"], capture_output=True,
                                   timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{SPAMASSASSIN} --version failed: {error}"
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        return f"{SPAMASSASSIN} --version exited with {completed.returncode}: {stderr}"
    return None


def require_spamassassin(problem: str | None, environ: dict[str, str]) -> None:
    """Skip the calling test when SpamAssassin cannot run, or fail it when *environ* requires it."""
    if problem is None:
        return
    if environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1, but the spam-score gate cannot run: {problem}. "
                    f"Install Debian's spamassassin package, or unset {REQUIRE_VARIABLE}.")
    pytest.skip(f"{problem}; the spam-score gate did not run")


@dataclass(frozen=True)
class Variant:
    language: str
    attachments: bool
    advertisement: bool
    unsubscribe_url: bool = False

    @property
    def name(self) -> str:
        parts = [self.language, "attachments" if self.attachments else "no-attachments",
                 "advertisement" if self.advertisement else "plain"]
        if self.unsubscribe_url:
            parts.append("one-click")
        return "-".join(parts)


VARIANTS = [Variant(language, attachments, advertisement)
            for language in ("he", "en")
            for attachments in (False, True)
            for advertisement in (False, True)]
VARIANTS += [Variant(language, True, True, unsubscribe_url=True) for language in ("he", "en")]


@dataclass(frozen=True)
class Score:
    row: int
    score: float
    rules: tuple[str, ...]


def sample_messages(folder: Path, variant: Variant) -> dict[str, tuple[int, bytes]]:
    """Build every ready row's message of the sample campaign; map Message-ID to (row, bytes)."""
    workbook = folder / f"{variant.language}.xlsm"
    if not workbook.exists():
        build_workbook(workbook, language=variant.language)
    attachments: tuple[Path, ...] = ()
    if variant.attachments:
        pdf = folder / "מחירון 2025.pdf"
        pdf.write_bytes(PDF)
        attachments = (pdf,)

    overrides = session.Overrides(attachments=attachments, advertisement=variant.advertisement)
    campaign = session.load_campaign(workbook, overrides)
    sender = session.choose_mailbox(campaign)
    if variant.unsubscribe_url:
        sender = replace(sender, unsubscribe_url=UNSUBSCRIBE_URL)
        campaign = replace(campaign, unsubscribe_key=b"a key of the organisation's site")
    campaign = session.with_mailbox_lists(campaign, sender)
    report = check_campaign(campaign, sender)
    assert not report.errors, [problem.message for problem in report.errors]

    messages = {}
    for recipient in report.ready:
        message_id = new_message_id(sender.from_address)
        message = build_message(campaign, sender, report.templates, recipient,
                                message_id=message_id, date=datetime.now(timezone.utc))
        messages[message_id] = (recipient.row, message_bytes(message))
    return messages


def score_all(messages: dict[str, tuple[int, bytes]], folder: Path) -> dict[str, Score]:
    """Score every message in one SpamAssassin run over an mbox; map Message-ID to its score."""
    source = folder / "messages.mbox"
    box = mailbox.mbox(source)
    for _row, data in messages.values():
        box.add(data)
    box.flush()
    box.close()

    completed = subprocess.run(
        [SPAMASSASSIN, "-L", "-x", "--mbox", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        stdin=source.open("rb"), capture_output=True, timeout=300, check=True)
    scored = folder / "scored.mbox"
    scored.write_bytes(completed.stdout)

    scores = {}
    for message in mailbox.mbox(scored):
        parsed = message_from_bytes(message.as_bytes())
        row = messages[parsed["Message-ID"].strip()][0]
        scores[parsed["Message-ID"].strip()] = parse_status(row, parsed["X-Spam-Status"])
    return scores


def parse_status(row: int, status: str) -> Score:
    """Read the score and the rule names out of an ``X-Spam-Status`` header."""
    # Folding may put a line break after any comma of the rule list.
    text = re.sub(r",\s+", ",", " ".join(status.split()))
    score = float(re.search(r"score=(-?[0-9.]+)", text).group(1))
    tests = re.search(r"tests=(\S*)", text).group(1)
    rules = tuple(rule for rule in tests.split(",") if rule and rule != "none")
    return Score(row, score, rules)


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict[str, list[Score]]:
    """Score every variant's messages once; map the variant's name to its rows' scores."""
    require_spamassassin(spamassassin_problem(), os.environ)
    folder = tmp_path_factory.mktemp("spamassassin")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HYPERMAILER_HOME", str(folder / "home"))
        built = {variant.name: sample_messages(folder, variant) for variant in VARIANTS}

    every_message = {message_id: value for messages in built.values()
                     for message_id, value in messages.items()}
    scored = score_all(every_message, folder)
    return {name: [scored[message_id] for message_id in messages]
            for name, messages in built.items()}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_spamassassin_scores_every_row(scores, variant):
    rows = scores[variant.name]

    assert len(rows) == 5
    for score in rows:
        assert score.score < MAX_SCORE, f"row {score.row}: {score.score} ({', '.join(score.rules)})"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_spamassassin_trips_no_structure_rule(scores, variant):
    for score in scores[variant.name]:
        broken = [rule for rule in score.rules if FORBIDDEN_RULES.search(rule)]
        assert not broken, f"row {score.row}: {broken}"


def test_parse_status_reads_folded_header():
    status = ("No, score=-0.0 required=5.0 tests=HTML_MESSAGE,NO_RECEIVED,\n\tNO_RELAYS "
              "autolearn=disabled version=4.0.1")

    score = parse_status(2, status)

    assert score.score == 0.0
    assert score.rules == ("HTML_MESSAGE", "NO_RECEIVED", "NO_RELAYS")


def test_forbidden_rules_match_structure_rules():
    for rule in ("MISSING_DATE", "MISSING_MID", "MIME_HTML_ONLY", "INVALID_MSGID",
                 "MIME_BASE64_TEXT", "BAD_ENC_HEADER", "FROM_EXCESS_BASE64"):
        assert FORBIDDEN_RULES.search(rule), rule
    for rule in ("HTML_MESSAGE", "NO_RECEIVED", "NO_RELAYS"):
        assert not FORBIDDEN_RULES.search(rule), rule


def test_require_spamassassin_fails_when_required():
    with pytest.raises(pytest.fail.Exception, match="spam-score gate cannot run: not on PATH"):
        require_spamassassin("not on PATH", {REQUIRE_VARIABLE: "1"})


def test_require_spamassassin_skips_when_not_required():
    with pytest.raises(pytest.skip.Exception, match="not on PATH"):
        require_spamassassin("not on PATH", {})


def test_require_spamassassin_passes_when_it_runs():
    require_spamassassin(None, {REQUIRE_VARIABLE: "1"})
