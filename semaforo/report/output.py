"""Which file a report becomes, by the output's extension."""

from __future__ import annotations

from pathlib import Path

from semaforo.errors import SemaforoError
from semaforo.report.model import Report

FORMATS = (".pdf", ".xlsx")


class UnknownFormat(SemaforoError):
    """An output file whose extension is neither .pdf nor .xlsx."""


class NoFolder(SemaforoError):
    """An output file in a folder that does not exist."""


def check_output(path: Path) -> str:
    """The output's format (`.pdf` or `.xlsx`); UnknownFormat or NoFolder before any work."""
    if not path.parent.is_dir():
        raise NoFolder(f"la carpeta «{path.parent}» no existe: cree la carpeta o elija otra")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnknownFormat(
            f"formato de informe desconocido «{path.suffix or path.name}»: use .pdf o .xlsx"
        )
    return suffix


def render(report: Report, suffix: str) -> bytes:
    """The report as the bytes of a PDF or an .xlsx file."""
    # reportlab (and its fonts) load only when a PDF is asked for: start-up time of the CLI
    if suffix == ".pdf":
        from semaforo.report.pdf import render_pdf

        return render_pdf(report)
    from semaforo.report.xlsx import render_xlsx

    return render_xlsx(report)
