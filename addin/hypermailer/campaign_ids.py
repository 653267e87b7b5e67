"""Remember which campaign id each workbook file was given, outside the workbook.

The ribbon writes a new campaign id into the open workbook, but only the
user saves it. If Excel closes without saving, or crashes, the reopened
workbook has no id, and a fresh id would send every row again. So the id is
also kept here, by the workbook's full path, and a workbook without an id
gets its remembered one back. The file lives in the user's data folder beside
the journals.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from filelock import FileLock

from hypermailer import paths

log = logging.getLogger(__name__)

FILE_NAME = "workbook-campaigns.json"


def registry_path() -> Path:
    return paths.data_folder() / FILE_NAME


def remembered_id(workbook: Path | None) -> str:
    """Return the campaign id last given to *workbook*, or ``""``."""
    key = _key(workbook)
    if not key:
        return ""
    return _read().get(key, "")


def remember(workbook: Path | None, campaign_id: str) -> None:
    """Record that *workbook* now belongs to *campaign_id*."""
    key = _key(workbook)
    if not key or not campaign_id:
        return
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        known = _read()
        if known.get(key) == campaign_id:
            return
        known[key] = campaign_id
        _write_atomically(path, known)


def _key(workbook: Path | None) -> str:
    """Return the registry key of a saved workbook file; an unsaved new book has none."""
    if workbook is None or not workbook.is_absolute() or not workbook.is_file():
        return ""
    return os.path.normcase(str(workbook.resolve()))


def _read() -> dict[str, str]:
    path = registry_path()
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # The journals stay the record of what was sent; a damaged registry
        # only loses the safety net for workbooks closed without saving.
        log.warning("ignoring the unreadable campaign registry %s: %s", path, error)
        return {}
    return known if isinstance(known, dict) else {}


def _write_atomically(path: Path, known: dict[str, str]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".campaigns-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(known, stream, ensure_ascii=False, indent=1, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
