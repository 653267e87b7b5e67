"""Recipients table -> recipients: address normalisation and validation,
duplicates, suppression, per-row CC and attachments.

Interface contract (implementation to follow):

    read_recipients(table, *, base_folder, unsubscribed, date1904=False)
        -> RecipientList

RecipientList.recipients: tuple[Recipient, ...]  (valid, unique, not suppressed)
RecipientList.problems:  tuple[Problem, ...]     (one per skipped or flagged row)
"""
