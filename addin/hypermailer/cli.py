"""The ``hypermailer`` command line: parses options, calls the core, sets exit codes.

Exit codes: 0 when every row went, 1 when some rows failed or were skipped as
invalid, 2 for usage and configuration errors.

Help texts are translated, so the command tree is built after the language
is chosen (``--lang``, ``HYPERMAILER_LANG`` or the locale).
"""

from __future__ import annotations

import logging
import os
import sys

import click

from hypermailer import click_messages, i18n
from hypermailer.errors import HyperMailerError

EXIT_OK, EXIT_ROWS_FAILED, EXIT_CONFIGURATION = 0, 1, 2


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_language_from_argv(argv) or i18n.language_from_environment())
    argv = _without_language(argv)
    click_messages.use_language(i18n.get_language())
    _configure_logging(os.environ.get("HYPERMAILER_LOG", ""))

    from hypermailer.cli_commands import build_cli

    try:
        code = build_cli().main(args=argv, prog_name="hypermailer", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(i18n._("Cancelled; nothing was sent."), err=True)
        code = EXIT_ROWS_FAILED
    except click.ClickException as error:
        error.show()
        code = EXIT_CONFIGURATION
    except HyperMailerError as error:
        click.echo(i18n._("Error: {message}").format(message=error), err=True)
        code = EXIT_CONFIGURATION
    sys.exit(code or 0)


def _configure_logging(level_name: str) -> None:
    """Send the library's log to standard error only when HYPERMAILER_LOG names a level.

    The CLI already prints every outcome in the user's language, so by
    default the English log lines would only repeat them.
    """
    logger = logging.getLogger("hypermailer")
    logger.handlers = [handler for handler in logger.handlers
                       if not getattr(handler, "added_by_cli", False)]
    level = logging.getLevelName(level_name.strip().upper()) if level_name.strip() else None
    if isinstance(level, int):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.setLevel(level)
    else:
        handler = logging.NullHandler()
    # Any handler here, even a NullHandler, keeps Python's last-resort
    # handler from printing warnings to standard error.
    handler.added_by_cli = True
    logger.addHandler(handler)


def _without_language(argv: list[str]) -> list[str]:
    """Drop ``--lang X`` wherever it appears, so it also works after a subcommand."""
    kept: list[str] = []
    skip_next = False
    for argument in argv:
        if skip_next:
            skip_next = False
        elif argument == "--lang":
            skip_next = True
        elif not argument.startswith("--lang="):
            kept.append(argument)
    return kept


def _language_from_argv(argv: list[str]) -> str | None:
    for index, argument in enumerate(argv):
        if argument.startswith("--lang="):
            return i18n.normalise_language(argument.split("=", 1)[1])
        if argument == "--lang" and index + 1 < len(argv):
            return i18n.normalise_language(argv[index + 1])
    return None
