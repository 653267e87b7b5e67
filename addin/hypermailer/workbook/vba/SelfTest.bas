Attribute VB_Name = "SelfTest"
' A check that this project parses and runs without Excel-only features,
' used by the LibreOffice smoke test. It shows nothing.
Option Explicit

Public Function HyperMailerSelfTest() As String
    HyperMailerSelfTest = "HyperMailer VBA " & Len(AddinMissingText()) & " " & AscW(Mid$(AddinMissingText(), 13, 1))
End Function
