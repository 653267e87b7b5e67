"""Sample content of a freshly built HyperMailer workbook, by language.

Every person, company and address here is invented; the addresses use the
example.com and example.org domains, which are reserved for documentation.
"""

from __future__ import annotations

import datetime

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.i18n import LANGUAGES, N_, translate_in

RECIPIENT_HEADERS = {
    "he": ("דואר אלקטרוני", "שם מלא", "מספר לקוח", "סכום", "תאריך תשלום", STATUS_HEADERS["he"]),
    "en": ("Email", "Full name", "Customer number", "Amount", "Due date", STATUS_HEADERS["en"]),
}

#: Address, full name, customer number, amount, due date. The first address
#: carries a display name, as users often paste them from a mail program.
RECIPIENTS = (
    ("דנה כהן <dana.cohen@example.com>", "דנה כהן", 123, 1234.5, datetime.date(2025, 1, 31)),
    ("yossi.levi@example.org", "יוסי לוי", 4567, 89.9, datetime.date(2025, 2, 15)),
    ("miriam.mizrahi@example.com", "מרים מזרחי", 42, 15000, datetime.date(2025, 2, 28)),
    ("avi.biton@example.org", "אבי ביטון", 7, 320.75, datetime.date(2025, 3, 10)),
    ("noa.peretz@example.com", "נועה פרץ", 98765, 0.5, datetime.date(2025, 3, 31)),
)

#: Labels of the message sheet's input cells, by defined name (catalogue msgids).
_MESSAGE_LABELS = {
    "Mailbox": N_("Send from mailbox"),
    "Subject": N_("Subject"),
    "Body": N_("Body"),
    "BodyFormat": N_("Format (text / html / markdown)"),
    "Template": N_("Organisation template"),
    "Attachments": N_("Attachments (separated by ;)"),
    "ReplyTo": N_("Reply-to address"),
    "TestAddress": N_("Test send address"),
    "CampaignId": N_("Campaign ID (filled in automatically)"),
    "Language": N_("Language (he / en)"),
    "Advertisement": N_("Advertisement (yes / no)"),
}
MESSAGE_LABELS = {language: {name: translate_in(language, label) for name, label in _MESSAGE_LABELS.items()}
                  for language in LANGUAGES}

# {#1} is the full name, <#2> the customer number, <#4> the due date; the
# amount is reached through its header name as a template variable.
SUBJECTS = {
    "he": "{#1}, תזכורת לתשלום עבור לקוח מספר <#2>",
    "en": "{#1}, payment reminder for customer <#2>",
}

BODIES = {
    "he": (
        "שלום {#1},\n"
        "\n"
        "לפי הרישומים שלנו, סכום של {{ סכום }} לתשלום עד <#4>.\n"
        "אם כבר שילמת, אפשר להתעלם מהודעה זו.\n"
        "\n"
        "בברכה,\n"
        "צוות משרד אור ים"
    ),
    "en": (
        "Hello {#1},\n"
        "\n"
        "Our records show an amount of {{ Amount }} due by <#4>.\n"
        "If you have already paid, please ignore this message.\n"
        "\n"
        "Kind regards,\n"
        "The Or Yam office team"
    ),
}

MAILBOX_NAMES = {"he": "תיבת יציאה מקומית", "en": "Local outbox"}
MAILBOX_DISPLAY_NAMES = {"he": "משרד אור ים", "en": "Or Yam Office"}
MAILBOX_ADDRESS = "office@example.com"
MAILBOX_FOLDER = "outbox"

#: The advertiser's details an advertisement's footer shows, by Mailboxes column key.
MAILBOX_BUSINESS = {
    "he": {"business_name": "אור ים שירותי משרד בע״מ",
           "business_address": "רחוב הדוגמה 12, תל אביב",
           "business_phone": "03-5550100"},
    "en": {"business_name": "Or Yam Office Services Ltd.",
           "business_address": "12 Example Street, Tel Aviv",
           "business_phone": "03-5550100"},
}

#: The values of the Advertisement cell's drop-down: yes, then no.
YES_NO = {language: (translate_in(language, N_("yes")), translate_in(language, N_("no")))
          for language in LANGUAGES}

TEMPLATE_NAMES = {"he": "תבנית הארגון", "en": "Organisation template"}

TEMPLATES = {
    "he": (
        '<div dir="rtl" lang="he" style="font-family: Arial, sans-serif; text-align: right;">\n'
        '  <div style="border-bottom: 2px solid #1f4e79; padding: 8px 0; color: #1f4e79;">\n'
        "    <strong>אור ים שירותי משרד בע״מ</strong>\n"
        "  </div>\n"
        '  <div style="padding: 16px 0;">{{ body }}</div>\n'
        '  <div style="border-top: 1px solid #cccccc; padding: 8px 0; font-size: 12px; color: #666666;">\n'
        "    רחוב הדוגמה 12, תל אביב · טלפון 03-5550100 · office@example.com\n"
        "  </div>\n"
        "</div>"
    ),
    "en": (
        '<div style="font-family: Arial, sans-serif;">\n'
        '  <div style="border-bottom: 2px solid #1f4e79; padding: 8px 0; color: #1f4e79;">\n'
        "    <strong>Or Yam Office Services Ltd.</strong>\n"
        "  </div>\n"
        '  <div style="padding: 16px 0;">{{ body }}</div>\n'
        '  <div style="border-top: 1px solid #cccccc; padding: 8px 0; font-size: 12px; color: #666666;">\n'
        "    12 Example Street, Tel Aviv · Phone 03-5550100 · office@example.com\n"
        "  </div>\n"
        "</div>"
    ),
}

UNSUBSCRIBED = {
    "he": ("former.client@example.org", datetime.date(2024, 11, 3), "בקשה טלפונית"),
    "en": ("former.client@example.org", datetime.date(2024, 11, 3), "Phone request"),
}
