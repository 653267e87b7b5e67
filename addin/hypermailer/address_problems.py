"""Say in the user's language what is wrong with an address email-validator rejected.

email-validator explains a refusal in English only. Rather than parse its
sentences, which change between releases, HyperMailer looks at the address
itself and names the first problem it recognises, in a translated message.
When none is recognised, the message keeps email-validator's English
explanation as a detail, so no information is lost.
"""

from __future__ import annotations

import string

import email_validator

from hypermailer.i18n import _

# Characters RFC 5322 allows unquoted before the @ (atext), plus the period.
_LOCAL_ALLOWED = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
# The maximum length of an address and of its local part under RFC 5321, in octets.
_MAX_ADDRESS, _MAX_LOCAL = 254, 64


def describe(addr_spec: str, validator_reason: str) -> str:
    """Return a translated sentence naming what is wrong with *addr_spec*."""
    for check in _CHECKS:
        sentence = check(addr_spec)
        if sentence:
            return sentence
    return _("It does not follow the rules for email addresses (details: {reason}).").format(
        reason=validator_reason)


def _at_sign(address: str) -> str:
    count = address.count("@")
    if count == 0:
        return _("It has no @ sign.")
    if count > 1:
        return _("It has more than one @ sign.")
    local, domain = address.split("@")
    if not local:
        return _("Nothing comes before the @ sign.")
    if not domain:
        return _("Nothing comes after the @ sign.")
    return ""


def _spaces(address: str) -> str:
    return _("It contains a space.") if any(char.isspace() for char in address) else ""


def _periods(address: str) -> str:
    local, _at, domain = address.rpartition("@")
    if ".." in address:
        return _("It has two periods in a row.")
    if local.startswith(".") or local.endswith("."):
        return _("The part before the @ sign starts or ends with a period.")
    labels = domain.split(".")
    if any(label[:1] in ".-" or label[-1:] in ".-" for label in labels):
        return _("The part after the @ sign starts or ends with a period or a hyphen.")
    if len(labels) < 2:
        return _("The part after the @ sign has no period; a domain looks like example.com.")
    return ""


def _local_characters(address: str) -> str:
    local = address.rpartition("@")[0]
    foreign = _distinct(char for char in local if not char.isascii())
    if foreign:
        return _("The part before the @ sign has letters outside the Latin alphabet: {characters}.").format(
            characters=" ".join(foreign))
    invalid = _distinct(char for char in local if char not in _LOCAL_ALLOWED)
    if invalid:
        return _("The part before the @ sign contains characters that are not allowed: {characters}.").format(
            characters=" ".join(invalid))
    return ""


def _domain_characters(address: str) -> str:
    domain = address.rpartition("@")[2]
    invalid = _distinct(char for char in domain if not (char.isalnum() or char in ".-"))
    if invalid:
        return _("The part after the @ sign contains characters that are not allowed: {characters}.").format(
            characters=" ".join(invalid))
    return ""


def _reserved_domain(address: str) -> str:
    domain = address.rpartition("@")[2].lower()
    reserved = any(domain == name or domain.endswith("." + name)
                   for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
    if reserved:
        return _("The part after the @ sign, {domain}, is a reserved name that never receives "
                 "mail from the internet, such as localhost or a .local network name.").format(domain=domain)
    if not domain.rpartition(".")[2].isalpha():
        return _("The part after the @ sign must end in letters, such as .com or .co.il.")
    return ""


def _length(address: str) -> str:
    local = address.rpartition("@")[0]
    too_long = (len(address.encode("utf-8")) > _MAX_ADDRESS
                or len(local.encode("utf-8")) > _MAX_LOCAL)
    return _("It is too long for an email address.") if too_long else ""


def _distinct(characters) -> list[str]:
    """Return *characters* without repeats, in the order they appear."""
    return list(dict.fromkeys(characters))


_CHECKS = (_at_sign, _spaces, _periods, _local_characters, _domain_characters,
           _reserved_domain, _length)
