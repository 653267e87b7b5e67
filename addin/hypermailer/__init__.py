"""HyperMailer: personalised mail merge from an Excel workbook."""

__version__ = "0.1.0"
