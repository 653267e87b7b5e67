"""Turn one mailbox's settings, from a Mailboxes table row or a TOML table, into a Mailbox."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hypermailer.campaign import Mailbox, Security
from hypermailer.errors import ConfigurationError
from hypermailer.i18n import _
from hypermailer.unsubscribe import check_url_template
from hypermailer.presets import apply_preset

KINDS = ("smtp", "pickup")

#: Most simultaneous connections one mailbox may open; relays allow a few,
#: mailbox providers usually one.
MAX_CONNECTIONS = 16

#: Port used when a mailbox leaves it empty, by security mode.
DEFAULT_PORTS = {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}

#: Every field ``parse_mailbox_row`` accepts. The size limit is given either as
#: ``max_size_mb`` in megabytes (MiB), as in the Mailboxes table, or as
#: ``max_message_bytes``, the :class:`Mailbox` field. ``timeout`` is in seconds.
FIELDS = (
    "name", "from_address", "display_name", "kind", "host", "port", "security", "username",
    "per_minute", "per_day", "reply_to", "folder", "max_size_mb", "max_message_bytes",
    "allow_plain_auth", "ca_file", "timeout", "preset", "connections",
    "business_name", "business_address", "business_phone", "unsubscribe_url",
)

_TRUE_WORDS = {"true", "yes", "y", "1", "כן", "אמת"}
_FALSE_WORDS = {"false", "no", "n", "0", "לא", "שקר", ""}


def parse_mailbox_row(fields: Mapping[str, object], *, base_folder: Path, where: str,
                      labels: Mapping[str, str] | None = None) -> Mailbox:
    """Validate one mailbox's settings and return them as a :class:`Mailbox`.

    *fields* maps the names in :data:`FIELDS` to cell or TOML values. Empty
    values take defaults: kind ``smtp`` when a host is given and ``pickup``
    otherwise, security ``starttls``, the port of the security mode, no rate
    limits. *where* names the row or TOML table in messages, and
    *labels* may name each field as the user sees it, such as a column header
    and cell. Relative ``folder`` and ``ca_file`` paths resolve against
    *base_folder*. Raises :class:`ConfigurationError` naming *where* and the
    field.
    """
    _FieldReader(fields, where, labels or {}).reject_unknown()
    reader = _FieldReader(apply_preset(fields, where), where, labels or {})

    name = reader.text("name")
    if not name:
        reader.fail("name", _("{where}: the mailbox name is missing. Enter a short name in the "
                              "field {field}."))
    from_address = reader.text("from_address")
    if "@" not in from_address:
        reader.fail("from_address", _("{where}: the field {field} must be the sender's email address, "
                                      "such as office@example.com; found {value!r}."))

    host = reader.text("host")
    # Without a kind, a mailbox with a server is an smtp one.
    kind = reader.choice("kind", KINDS, default="smtp" if host else "pickup")
    security = Security(reader.choice("security", tuple(mode.value for mode in Security), default="starttls"))
    folder = reader.path("folder", base_folder)
    if kind == "smtp" and not host:
        reader.fail("host", _("{where}: an smtp mailbox needs a server name in the field {field}, "
                              "such as smtp.example.com."))
    if kind == "pickup" and folder is None:
        reader.fail("folder", _("{where}: a pickup mailbox needs a folder in the field {field}, "
                                "such as outbox; the messages are written there as .eml files."))

    port = reader.integer("port", minimum=1, maximum=65535)
    if port is None:
        port = DEFAULT_PORTS[security] if kind == "smtp" else 0
    max_message_bytes = reader.max_message_bytes()
    unsubscribe_url = reader.text("unsubscribe_url")
    if unsubscribe_url:
        check_url_template(unsubscribe_url, where=f"{where}, {reader.label('unsubscribe_url')}")

    return Mailbox(
        name=name,
        from_address=from_address,
        display_name=reader.text("display_name"),
        kind=kind,
        host=host,
        port=port,
        security=security,
        username=reader.text("username"),
        per_minute=reader.integer("per_minute", minimum=0) or 0,
        per_day=reader.integer("per_day", minimum=0) or 0,
        reply_to=reader.text("reply_to"),
        folder=folder,
        max_message_bytes=max_message_bytes,
        allow_plain_auth=reader.boolean("allow_plain_auth"),
        ca_file=reader.path("ca_file", base_folder),
        timeout=reader.number("timeout") or Mailbox.timeout,
        connections=reader.integer("connections", minimum=1, maximum=MAX_CONNECTIONS) or 1,
        business_name=reader.text("business_name"),
        business_address=reader.text("business_address"),
        business_phone=reader.text("business_phone"),
        unsubscribe_url=unsubscribe_url,
    )


def parse_yes_no(value: object) -> bool | None:
    """Read a yes/no cell (TRUE, yes, כן, 1 ...); ``None`` when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = "" if value is None else str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


class _FieldReader:
    """Reads typed values out of a mailbox's fields and raises naming the field."""

    def __init__(self, fields: Mapping[str, object], where: str, labels: Mapping[str, str]) -> None:
        self.fields = fields
        self.where = where
        self.labels = labels

    def fail(self, key: str, message: str) -> None:
        """Raise *message* formatted with ``where``, ``field`` and ``value``."""
        value = self.fields.get(key)
        raise ConfigurationError(message.format(where=self.where, field=self.label(key),
                                                value="" if value is None else value))

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def reject_unknown(self) -> None:
        unknown = sorted(key for key in self.fields if key not in FIELDS)
        if unknown:
            raise ConfigurationError(
                _("{where}: unknown mailbox field {field!r}. The known fields are: {known}.").format(
                    where=self.where, field=unknown[0], known=", ".join(FIELDS)))

    def text(self, key: str) -> str:
        value = self.fields.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def choice(self, key: str, allowed: tuple[str, ...], *, default: str) -> str:
        value = self.text(key).lower()
        if not value:
            return default
        if value not in allowed:
            raise ConfigurationError(
                _("{where}: the field {field} is {value!r}; it must be one of: {allowed}.").format(
                    where=self.where, field=self.label(key), value=value, allowed=", ".join(allowed)))
        return value

    def number(self, key: str) -> float | None:
        """Return a positive number, or ``None`` when the field is empty."""
        value = self.fields.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(value, bool) or not number > 0 or number == float("inf"):
            self.fail(key, _("{where}: the field {field} must be a positive number; found {value!r}."))
        return number

    def integer(self, key: str, *, minimum: int, maximum: int | None = None) -> int | None:
        """Return a whole number within limits, or ``None`` when the field is empty."""
        value = self.fields.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = _whole_number(value)
        if number is not None and number >= minimum and (maximum is None or number <= maximum):
            return number

        if maximum is None:
            message = _("{where}: the field {field} must be a whole number of {minimum} or more; "
                        "found {value!r}.")
        else:
            message = _("{where}: the field {field} must be a whole number from {minimum} to {maximum}; "
                        "found {value!r}.")
        raise ConfigurationError(message.format(where=self.where, field=self.label(key),
                                                minimum=minimum, maximum=maximum, value=value))

    def max_message_bytes(self) -> int:
        """Return the size limit from ``max_size_mb`` or ``max_message_bytes``, not both."""
        megabytes = self.number("max_size_mb")
        size = self.integer("max_message_bytes", minimum=1)
        if megabytes is not None and size is not None:
            raise ConfigurationError(
                _("{where}: both {first} and {second} set the size limit. Keep only one of them.").format(
                    where=self.where, first=self.label("max_size_mb"),
                    second=self.label("max_message_bytes")))
        if megabytes is not None:
            return int(megabytes * 1024 * 1024)
        return size if size is not None else Mailbox.max_message_bytes

    def boolean(self, key: str) -> bool:
        value = self.fields.get(key)
        if isinstance(value, bool):
            return value
        word = self.text(key).lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ConfigurationError(
            _("{where}: the field {field} must be yes or no (TRUE or FALSE); found {value!r}.").format(
                where=self.where, field=self.label(key), value=value))

    def path(self, key: str, base_folder: Path) -> Path | None:
        text = self.text(key)
        if not text:
            return None
        path = Path(text.strip('"')).expanduser()
        return path if path.is_absolute() else base_folder / path


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
