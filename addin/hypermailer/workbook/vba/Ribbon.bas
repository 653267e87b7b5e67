Attribute VB_Name = "Ribbon"
' Callbacks of the HyperMailer ribbon tab.
'
' Each button runs a function of hypermailer.excel through the xlwings
' add-in. Application.Run finds the add-in by name at run time, so this
' project has no reference to it and compiles when it is missing; the
' error handler then tells the user how to install it.
Option Explicit

Private Const RUN_PYTHON As String = "'xlwings.xlam'!RunPython"

Public Sub OnPaste(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.paste_from_clipboard()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnCheck(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.check()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnScanReplies(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.scan_replies()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnPreview(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.preview()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnAddAttachments(control As IRibbonControl)
    ' Excel's own file dialog needs no Python, so this button works without
    ' the add-in. Each chosen path goes on a line of its own in the cell.
    Dim chosen As Variant
    Dim path As Variant
    Dim cell As Range
    Dim text As String
    chosen = Application.GetOpenFilename(MultiSelect:=True)
    If Not IsArray(chosen) Then Exit Sub
    Set cell = ThisWorkbook.Names("Attachments").RefersToRange
    text = CStr(cell.Value)
    For Each path In chosen
        If Len(text) > 0 Then text = text & vbLf
        text = text & path
    Next path
    cell.Value = text
End Sub

Public Sub OnSendTest(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.send_test()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnSend(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.send()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnSendUncertain(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.send_uncertain()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnSendFailed(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.send_failed()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnNewCampaign(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.new_campaign()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnSetPassword(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.set_password()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Public Sub OnTestConnection(control As IRibbonControl)
    On Error GoTo AddinMissing
    Application.Run RUN_PYTHON, "import hypermailer.excel as hm; hm.test_connection()"
    Exit Sub
AddinMissing:
    ShowAddinMissing Err.Description
End Sub

Private Sub ShowAddinMissing(ByVal details As String)
    Dim style As VbMsgBoxStyle
    style = vbExclamation
    If TextsAreRightToLeft() Then style = style Or vbMsgBoxRight Or vbMsgBoxRtlReading
    MsgBox AddinMissingText() & vbLf & vbLf & DetailsLabel() & " " & details, style, "HyperMailer"
End Sub
