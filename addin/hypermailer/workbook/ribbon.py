"""The ribbon tab: the customUI part in the workbook's language, added to the package.

The part uses the Office 2007 schema and relationship type, because an
openpyxl save keeps that relationship and drops the Office 2010 one
(``customUI14.xml``). The source ``ribbon/customUI.xml`` has English labels;
the Hebrew build replaces each label and screen tip by control id.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from hypermailer.workbook import package

SOURCE = Path(__file__).with_name("ribbon") / "customUI.xml"
PART_NAME = "customUI/customUI.xml"
RELATIONSHIP_ID = "rIdHyperMailerRibbon"
RELATIONSHIP_TYPE = package.CUSTOM_UI_RELATIONSHIP_TYPES[0]
NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"

#: Hebrew label and screen tip of each control, by id; ``None`` keeps the English text.
HEBREW_TEXTS = {
    "HyperMailerTab": ("HyperMailer", None),
    "RecipientsGroup": ("נמענים", None),
    "PasteButton": ("הדבקה מהלוח", "החלפת הנמענים בשורות שהועתקו"),
    "CheckButton": ("בדיקה", "בדיקת כל השורות בלי לשלוח"),
    "MessageGroup": ("הודעה", None),
    "PreviewButton": ("תצוגה מקדימה", "הצגת ההודעה של השורה הנבחרת כפי שהנמען יראה אותה"),
    "AttachButton": ("הוספת קבצים מצורפים", "הוספת קבצים שיצורפו לכל ההודעות"),
    "SendGroup": ("שליחה", None),
    "SendTestButton": ("שליחת ניסיון אליי", "שליחת ההודעה של השורה הנבחרת לכתובת הניסיון"),
    "SendButton": ("שליחה", "שליחת הודעה אישית לכל נמען"),
    "SendUncertainButton": ("שליחה חוזרת כשלא ברור",
                            "שליחה חוזרת של שורות שלא ידוע אם נשלחו (ייתכן שנשלחו)"),
    "NewCampaignButton": ("מסע דיוור חדש", "מזהה מסע דיוור חדש, כך שכל השורות יישלחו שוב"),
    "MailboxGroup": ("תיבת דואר", None),
    "PasswordButton": ("הגדרת סיסמה", "שמירת הסיסמה של תיבת הדואר במאגר הסיסמאות של המערכת"),
    "ConnectionButton": ("בדיקת חיבור", "התחברות לשרת והזדהות בלי לשלוח"),
}


def ribbon_xml(language: str) -> bytes:
    """Return the customUI part in *language* (``he`` or ``en``)."""
    ElementTree.register_namespace("", NAMESPACE)
    root = ElementTree.fromstring(SOURCE.read_bytes())
    if language == "he":
        for element in root.iter():
            texts = HEBREW_TEXTS.get(element.get("id", ""))
            if texts is None:
                continue
            label, screentip = texts
            element.set("label", label)
            if screentip is not None:
                element.set("screentip", screentip)
    body = ElementTree.tostring(root, encoding="unicode")
    return (package.XML_DECLARATION + body + "\n").encode("utf-8")


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
