"""Choosing the adapter from the settings: a local .xlsx path, or a Google spreadsheet."""

from __future__ import annotations

import re
from pathlib import Path

from semaforo.settings import Settings
from sheets_sync.workbook import Workbook, WorkbookError
from sheets_sync.xlsx import XlsxWorkbook

_GOOGLE_ID = re.compile(r"^[A-Za-z0-9_-]{25,}$")


def is_google(location: str) -> bool:
    """A spreadsheet URL or a bare spreadsheet id (long, no path separators, no extension)."""
    return location.startswith("https://docs.google.com/") or bool(_GOOGLE_ID.match(location))


def open_workbook(settings: Settings, programme: str, *, writable: bool = False) -> Workbook:
    """The programme's workbook; Google only with credentials, write scope only when writing."""
    location = settings.workbook_location(programme)
    if is_google(location):
        if settings.google_credentials is None:
            raise WorkbookError(
                "SEMAFORO_GOOGLE_CREDENTIALS no está configurado: indique el archivo JSON de la "
                "cuenta de servicio con acceso al libro"
            )
        # gspread and google-auth load only for a Google workbook (start-up time)
        from sheets_sync.google import GoogleWorkbook

        return GoogleWorkbook(
            spreadsheet=location,
            credentials_file=settings.google_credentials,
            api_url=settings.sheets_api_url,
            writable=writable,
        )
    path = Path(location).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(
            f"SEMAFORO_WORKBOOK «{location}» no es un archivo .xlsx ni un libro de Google "
            "(id o URL https://docs.google.com/spreadsheets/d/…)"
        )
    return XlsxWorkbook(path)
