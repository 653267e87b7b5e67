"""The ribbon tab: the customUI part in the workbook's language, added to the package.

The part uses the Office 2007 schema and relationship type, because an
openpyxl save keeps that relationship and drops the Office 2010 one
(``customUI14.xml``). The source ``ribbon/customUI.xml`` has English labels and
screen tips, which are catalogue msgids (see :func:`ribbon_messages`); the
build translates them into the workbook's language.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from hypermailer.i18n import translate_in
from hypermailer.workbook import package

SOURCE = Path(__file__).with_name("ribbon") / "customUI.xml"
PART_NAME = "customUI/customUI.xml"
RELATIONSHIP_ID = "rIdHyperMailerRibbon"
RELATIONSHIP_TYPE = package.CUSTOM_UI_RELATIONSHIP_TYPES[0]
NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"

#: Attributes of a control that the user reads; their English texts are catalogue msgids.
TRANSLATED_ATTRIBUTES = ("label", "screentip")
#: The product's name, the tab's label, stays as it is in every language.
UNTRANSLATED = frozenset({"HyperMailer"})


def ribbon_xml(language: str) -> bytes:
    """Return the customUI part in *language* (``he`` or ``en``)."""
    ElementTree.register_namespace("", NAMESPACE)
    root = ElementTree.fromstring(SOURCE.read_bytes())
    for element in root.iter():
        for attribute in TRANSLATED_ATTRIBUTES:
            text = element.get(attribute)
            if text and text not in UNTRANSLATED:
                element.set(attribute, translate_in(language, text))
    body = ElementTree.tostring(root, encoding="unicode")
    return (package.XML_DECLARATION + body + "\n").encode("utf-8")


def ribbon_messages(fileobj, keywords, comment_tags, options):
    """Babel extraction method: yield each label and screen tip of a customUI file.

    Named in ``babel.cfg`` and used by :mod:`hypermailer.catalogue`, so the
    ribbon's texts reach the catalogue like the Python sources' messages.
    """
    root = ElementTree.parse(fileobj).getroot()
    for element in root.iter():
        for attribute in TRANSLATED_ATTRIBUTES:
            text = element.get(attribute)
            if text and text not in UNTRANSLATED:
                yield 0, None, text, []


def add_ribbon(data: bytes, language: str) -> bytes:
    """Return the workbook package *data* with the ribbon part and its root relationship."""
    relationship = (f'<Relationship Id="{RELATIONSHIP_ID}" Type="{RELATIONSHIP_TYPE}" '
                    f'Target="{PART_NAME}"/>').encode()

    def change(name: str, part: bytes) -> bytes:
        if name != package.ROOT_RELS_PART:
            return part
        if part.count(b"</Relationships>") != 1:
            raise ValueError(f"unexpected {package.ROOT_RELS_PART}: no closing Relationships tag")
        return part.replace(b"</Relationships>", relationship + b"</Relationships>")

    return package.rewrite_parts(data, change, {PART_NAME: ribbon_xml(language)})
