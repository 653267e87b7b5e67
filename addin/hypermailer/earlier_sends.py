"""Notice when a campaign's first run would mail addresses another recent campaign reached.

A moved or renamed CSV file, or a copied workbook whose CampaignId was cleared,
starts a new campaign, and every row would go again. Before the first send of
a campaign, the journals written in the last week are compared with the rows
about to go, so the user can stop and continue the old campaign instead. A
newsletter sent again on purpose only gets a warning.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hypermailer import journal as events
from hypermailer.journal import JournalError, journal_path, read_entries

log = logging.getLogger(__name__)

#: Journals older than this many days are not compared.
RECENT_DAYS = 7


@dataclass(frozen=True)
class EarlierCampaign:
    """Another recent campaign, and how many of this run's addresses it already sent to."""

    campaign_id: str
    count: int


def earlier_campaigns(folder: Path, campaign_id: str, keys: Iterable[str], *,
                      now: float | None = None) -> list[EarlierCampaign]:
    """Return the recent campaigns in *folder* that sent to any of *keys*, most overlap first."""
    addresses = set(keys)
    own = journal_path(folder, campaign_id)
    oldest = (now if now is not None else time.time()) - RECENT_DAYS * 24 * 60 * 60
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        if path == own or path.stat().st_mtime < oldest:
            continue
        try:
            entries = read_entries(path)
        except JournalError as error:
            log.warning("not comparing with the damaged journal %s: %s", path, error)
            continue
        count = sum(1 for key, entry in entries.items() if key in addresses and entry.event == events.SENT)
        if count:
            found.append(EarlierCampaign(path.stem, count))
    return sorted(found, key=lambda earlier: -earlier.count)
