<#
.SYNOPSIS
    Prepare this Windows user account to run HyperMailer from Excel.

.DESCRIPTION
    Run once per user, with Excel closed, from a PowerShell window of the
    user who will send (not as another administrator account: the xlwings
    add-in and its settings are per user). The script:

      1. finds Python 3.11 or newer (the "py" launcher or python.exe);
      2. creates a private Python environment for HyperMailer;
      3. installs the HyperMailer package, with xlwings, into it;
      4. runs "xlwings addin install" from that environment;
      5. points xlwings at that environment's pythonw.exe in the user's
         xlwings config (%USERPROFILE%\.xlwings\xlwings.conf), through
         set_interpreter.py beside this script;
      6. removes the "downloaded from the internet" mark (Mark of the Web)
         from the workbook, so Excel lets its macros run.

    Running it again upgrades the package and repeats every step.

.PARAMETER Package
    What pip installs: the folder of the HyperMailer source (default: the
    folder above this script) or a wheel file.

.PARAMETER Workbook
    The HyperMailer workbook to unblock. Default: workbook\HyperMailer.xlsm
    beside the package folder, when it exists.

.PARAMETER Environment
    Where the Python environment goes. Default:
    %LOCALAPPDATA%\HyperMailer\venv.

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File install\install-windows.ps1

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File install\install-windows.ps1 -Package .\hypermailer-0.1.0-py3-none-any.whl -Workbook "$env:USERPROFILE\Documents\HyperMailer.xlsm"
#>
[CmdletBinding()]
param(
    [string]$Package = (Split-Path -Parent $PSScriptRoot),
    [string]$Workbook = "",
    [string]$Environment = (Join-Path $env:LOCALAPPDATA "HyperMailer\venv")
)

$ErrorActionPreference = "Stop"
$MinimumPython = [version]"3.11"

function Write-Step([string]$Text) {
    Write-Host "==> $Text" -ForegroundColor Cyan
}

function Stop-WithMessage([string]$Text) {
    Write-Host "ERROR: $Text" -ForegroundColor Red
    exit 1
}

function Invoke-Checked([string]$Program, [string[]]$Arguments) {
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) {
        Stop-WithMessage "'$Program $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Find-Python {
    # The py launcher picks the newest installed Python; python.exe may be the Microsoft Store alias.
    $candidates = @()
    if (Get-Command py -ErrorAction SilentlyContinue) { $candidates += ,@("py", "-3") }
    if (Get-Command python -ErrorAction SilentlyContinue) { $candidates += ,@("python") }
    foreach ($candidate in $candidates) {
        $program = $candidate[0]
        $prefix = @($candidate | Select-Object -Skip 1)
        $text = & $program @prefix -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>$null
        if ($LASTEXITCODE -eq 0 -and $text -and ([version]$text.Trim() -ge $MinimumPython)) {
            return ,$candidate
        }
    }
    return $null
}

if (Get-Process -Name EXCEL -ErrorAction SilentlyContinue) {
    Stop-WithMessage "Excel is running. Close every Excel window, then run this script again."
}

Write-Step "Looking for Python $MinimumPython or newer"
$python = Find-Python
if ($null -eq $python) {
    Stop-WithMessage ("Python $MinimumPython or newer was not found. Install it from https://www.python.org/downloads/windows/ " +
                      "(or: winget install Python.Python.3.12), then run this script again.")
}
$pythonProgram = $python[0]
$pythonPrefix = @($python | Select-Object -Skip 1)

Write-Step "Creating the Python environment in $Environment"
if (-not (Test-Path (Join-Path $Environment "Scripts\python.exe"))) {
    Invoke-Checked $pythonProgram ($pythonPrefix + @("-m", "venv", $Environment))
}
$venvPython = Join-Path $Environment "Scripts\python.exe"
$venvPythonw = Join-Path $Environment "Scripts\pythonw.exe"
$xlwings = Join-Path $Environment "Scripts\xlwings.exe"

Write-Step "Installing HyperMailer from $Package"
Invoke-Checked $venvPython @("-m", "pip", "install", "--upgrade", "pip")
Invoke-Checked $venvPython @("-m", "pip", "install", "--upgrade", $Package)

Write-Step "Installing the xlwings Excel add-in"
Invoke-Checked $xlwings @("addin", "install")

Write-Step "Pointing xlwings at $venvPythonw"
Invoke-Checked $venvPython @((Join-Path $PSScriptRoot "set_interpreter.py"), "INTERPRETER_WIN", $venvPythonw)

if (-not $Workbook) {
    $Workbook = Join-Path $Package "workbook\HyperMailer.xlsm"
}
if (Test-Path $Workbook) {
    Write-Step "Unblocking $Workbook (Mark of the Web)"
    Unblock-File -Path $Workbook
} else {
    Write-Host "No workbook at $Workbook; unblock a copy later with: Unblock-File -Path <workbook>"
}

Write-Step "Checking the installation"
Invoke-Checked $venvPython @("-c", "import tkinter, hypermailer.excel, xlwings; print('HyperMailer and xlwings', xlwings.__version__, 'are installed.')")
Write-Host "Done. Open the workbook in Excel; the HyperMailer tab is on the ribbon." -ForegroundColor Green
