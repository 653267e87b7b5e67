"""Click's own texts (usage lines, option errors, help headings) in the user's language.

Click marks its texts with the standard library's ``gettext`` functions,
imported into each of its modules as ``_`` and ``ngettext``. They look texts
up in the process-wide ``messages`` domain, which follows the POSIX locale,
not HyperMailer's chosen language. Rebinding those two names in
click's modules to HyperMailer's ``click`` catalogue makes ``Usage:``,
``Missing argument`` and the rest follow ``--lang`` and ``HYPERMAILER_LANG``
like every other message. The catalogue is checked against the installed
click by ``tests/test_catalogue.py``, so an upgrade that adds texts fails
the tests instead of printing English.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from hypermailer import i18n

# The modules of click 8 that call gettext. The Windows console module
# imports only on Windows.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser",
                 "shell_completion", "termui", "types", "utils", "_termui_impl")
WINDOWS_MODULES = ("_winconsole",)


def click_modules() -> list[ModuleType]:
    """Return click's modules that look texts up through gettext."""
    names = CLICK_MODULES + (WINDOWS_MODULES if sys.platform == "win32" else ())
    return [importlib.import_module(f"click.{name}") for name in names]


def use_language(language: str) -> None:
    """Make click print its texts in *language* (``he`` or ``en``)."""
    translations = i18n.translations(language, i18n.CLICK_DOMAIN)
    for module in click_modules():
        if hasattr(module, "_"):
            module._ = translations.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = translations.ngettext
