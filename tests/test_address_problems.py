"""Tests for the translated explanation of an address email-validator refuses."""

from __future__ import annotations

import pytest

from hypermailer import i18n
from hypermailer.addresses import AddressError, normalise_address


def rejection(text: str) -> AddressError:
    with pytest.raises(AddressError) as raised:
        normalise_address(text)
    return raised.value


@pytest.mark.parametrize("address, reason", [
    ("danaexample.com", "It has no @ sign."),
    ("dana@@example.com", "It has more than one @ sign."),
    ("@example.com", "Nothing comes before the @ sign."),
    ("dana@", "Nothing comes after the @ sign."),
    ("dana..cohen@example.com", "It has two periods in a row."),
    (".dana@example.com", "The part before the @ sign starts or ends with a period."),
    ("dana@-example.com", "The part after the @ sign starts or ends with a period or a hyphen."),
    ("dana@example", "The part after the @ sign has no period; a domain looks like example.com."),
    ("dana(x)@example.com",
     "The part before the @ sign contains characters that are not allowed: ( )."),
    ("dana@exa_mple.com", "The part after the @ sign contains characters that are not allowed: _."),
    ("dana@example.123", "The part after the @ sign must end in letters, such as .com or .co.il."),
])
def test_describe_names_problem(address, reason):
    assert rejection(address).reason == reason


def test_describe_reserved_domain_names_it():
    reason = rejection("dana@printer.local").reason

    assert reason.startswith("The part after the @ sign, printer.local, is a reserved name")


def test_describe_hebrew_local_part_lists_letters_in_order():
    reason = rejection("דנה@example.com").reason

    assert reason == "The part before the @ sign has letters outside the Latin alphabet: ד נ ה."


def test_describe_hebrew_message_has_no_english():
    i18n.set_language("he")

    message = str(rejection("dana@example"))

    assert message == ("הכתובת 'dana@example' אינה כתובת דוא״ל תקינה. בחלק שאחרי הסימן @ אין נקודה; "
                       "שם תחום נראה כמו example.com. יש לתקן את הכתובת.")
