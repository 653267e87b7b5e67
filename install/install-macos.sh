#!/bin/sh
# Prepare this macOS user account to run HyperMailer from Excel.
#
# Run once per user, with Excel closed, in Terminal as the user who will
# send. The script:
#   1. finds Python 3.11 or newer;
#   2. creates a private Python environment for HyperMailer;
#   3. installs the HyperMailer package, with xlwings, into it;
#   4. runs "xlwings addin install" and "xlwings runpython install" from it
#      (the second lets Excel's sandbox start Python through AppleScript);
#   5. points xlwings at that environment's python in the xlwings config
#      inside Excel's sandbox container, through set_interpreter.py;
#   6. removes the quarantine mark macOS puts on downloaded files from the
#      workbook, so Excel lets its macros run.
# Running it again upgrades the package and repeats every step.
#
# Usage: sh install/install-macos.sh [PACKAGE] [WORKBOOK]
#   PACKAGE   folder of the HyperMailer source, or a wheel file
#             (default: the folder above this script)
#   WORKBOOK  the workbook to unblock (default: PACKAGE/workbook/HyperMailer.xlsm)
# HYPERMAILER_ENV overrides where the environment goes
# (default: ~/Library/Application Support/HyperMailer/venv).
set -eu

script_folder=$(cd "$(dirname "$0")" && pwd)
package=${1:-$(dirname "$script_folder")}
workbook=${2:-$package/workbook/HyperMailer.xlsm}
environment=${HYPERMAILER_ENV:-"$HOME/Library/Application Support/HyperMailer/venv"}

step() { printf '==> %s\n' "$1"; }
fail() { printf 'ERROR: %s\n' "$1" >&2; exit 1; }

if pgrep -x "Microsoft Excel" >/dev/null 2>&1; then
    fail "Excel is running. Quit Excel (Cmd-Q), then run this script again."
fi

step "Looking for Python 3.11 or newer"
python=""
# The password dialog and the clipboard use tkinter, which the python.org
# installers include and some other Python builds (Homebrew's) leave out.
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys, tkinter; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        python=$(command -v "$candidate")
        break
    fi
done
[ -n "$python" ] || fail "Python 3.11 or newer with tkinter was not found. Install it from https://www.python.org/downloads/macos/ (it includes tkinter), then run this script again."

step "Creating the Python environment in $environment"
if [ ! -x "$environment/bin/python" ]; then
    "$python" -m venv "$environment"
fi
venv_python="$environment/bin/python"

step "Installing HyperMailer from $package"
"$venv_python" -m pip install --upgrade pip
"$venv_python" -m pip install --upgrade "$package"

step "Installing the xlwings Excel add-in and its AppleScript runner"
"$environment/bin/xlwings" addin install
"$environment/bin/xlwings" runpython install

step "Pointing xlwings at $venv_python"
"$venv_python" "$script_folder/set_interpreter.py" INTERPRETER_MAC "$venv_python"

if [ -f "$workbook" ]; then
    step "Removing the quarantine mark from $workbook"
    xattr -d com.apple.quarantine "$workbook" 2>/dev/null || true
else
    echo "No workbook at $workbook; unblock a copy later with: xattr -d com.apple.quarantine <workbook>"
fi

step "Checking the installation"
"$venv_python" -c "import tkinter, hypermailer.excel, xlwings; print('HyperMailer and xlwings', xlwings.__version__, 'are installed.')"
echo "Done. Open the workbook in Excel; the HyperMailer tab is on the ribbon."
