"""Delivery transports, chosen by the short kind names used in a Mailboxes table."""
