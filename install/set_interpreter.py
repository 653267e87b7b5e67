"""Set one key of the user's xlwings config file, keeping every other line.

The installers run this with the Python of HyperMailer's environment, so
xlwings itself reports where its config file is: ~/.xlwings/xlwings.conf on
Windows, and inside Excel's sandbox container on macOS. The file has one
"KEY","value" pair per line and is written as UTF-8 without a byte order
mark, which the add-in's VBA would otherwise read as part of the first key.

Usage: python set_interpreter.py KEY VALUE
"""

from __future__ import annotations

import sys
from pathlib import Path

import xlwings


def set_setting(path: Path, key: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines() if path.exists() else []
    kept = [line for line in lines if not line.startswith(f'"{key}",')]
    kept.append(f'"{key}","{value}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


if __name__ == "__main__":
    key, value = sys.argv[1], sys.argv[2]
    config = Path(xlwings.USER_CONFIG_FILE)
    set_setting(config, key, value)
    print(f"{config}: {key} = {value}")
