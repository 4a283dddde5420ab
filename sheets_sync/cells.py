"""Reading one capture row's cells into figures, or saying which cell is wrong and why (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from scoring import Indicator, Kind
from semaforo.values import Rejected, parse_number, plain, shown


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class CellIssue:
    """A cell rejected (its row is left as it was) or accepted with a warning for its owner."""

    tab: str
    cell: str
    value: str
    reason: str
    severity: str = "error"  # error | warning
    unit: str = ""  # whose cell it is: the owner to tell

    @property
    def shown_value(self) -> str:
        """The value as a message echoes it: invisible characters named, long text cut."""
        return shown(self.value)


@dataclass(frozen=True, slots=True)
class Figures:
    """The variables a row holds once read."""

    numerator: float | None
    denominator: float | None
    value: float | None


class RowRejected(Exception):
    """A row with a bad cell; its issue says which."""

    def __init__(self, issue: CellIssue) -> None:
        super().__init__(issue.reason)
        self.issue = issue


@dataclass(frozen=True, slots=True)
class RowCells:
    """The typed texts of one row's number cells, with their addresses."""

    tab: str
    unit: str
    numerator: tuple[str, str]  # (address, text)
    denominator: tuple[str, str]
    value: tuple[str, str]
    programmed: float | None


def read_figures(indicator: Indicator, cells: RowCells) -> tuple[Figures, list[CellIssue]]:
    """The row's figures for this kind of indicator; raises RowRejected on a bad cell."""
    warnings: list[CellIssue] = []
    if indicator.kind is Kind.RATIO:
        numerator = _amount(cells, cells.numerator, "el numerador")
        denominator = _amount(cells, cells.denominator, "el denominador")
        if numerator is None and denominator is None and cells.value[1].strip():
            return _percent_as_ratio(cells, warnings), warnings
        if cells.value[1].strip():
            raise _reject(
                cells, cells.value,
                "un cociente se captura con numerador y denominador, o con «Logrado», no con "
                "ambos: borre uno de los dos",
            )  # fmt: skip
        if numerator is None or denominator is None:
            cell = cells.denominator if numerator is not None else cells.numerator
            raise _reject(cells, cell, "un cociente necesita numerador y denominador")
        if denominator == 0:
            raise _reject(cells, cells.denominator, "el denominador es 0: no hay base")
        if numerator > denominator:
            warnings.append(_issue(
                cells, cells.numerator,
                f"el numerador ({plain(numerator)}) supera al denominador ({plain(denominator)}); "
                "se acepta "
                "(p. ej. rezago atendido), verifique que sea correcto", "warning",
            ))  # fmt: skip
        return Figures(numerator, denominator, None), warnings
    for cell in (cells.numerator, cells.denominator):
        if cell[1].strip():
            raise _reject(cells, cell, "este indicador se captura en «Logrado», no como cociente")
    value = _amount(cells, cells.value, "el logrado")
    return Figures(None, None, value), warnings


def _percent_as_ratio(cells: RowCells, warnings: list[CellIssue]) -> Figures:
    """A ratio's achieved percent typed in «Logrado»: `95%`, `95`, or `0.95` when unambiguous."""
    _, text = cells.value
    parsed = parse_number(text)
    if isinstance(parsed, Rejected) or parsed is None:
        raise _reject(cells, cells.value, parsed.reason if parsed else "vacío")
    percent = parsed.value
    if not parsed.percent and 0 < percent <= 1:
        if cells.programmed is not None and cells.programmed <= 1:
            raise _reject(
                cells, cells.value,
                "ambiguo: ¿fracción o porcentaje? escríbalo con % (p. ej. 0.9%)",
            )  # fmt: skip
        percent *= 100  # 0.95 typed for 95%: the target is well above 1%, so it is a fraction
    if percent < 0:
        raise _reject(cells, cells.value, "es negativo")
    above = (
        f"; {plain(percent)} % supera el 100 %, verifique que sea correcto" if percent > 100 else ""
    )
    warnings.append(_issue(
        cells, cells.value,
        f"se leyó como {plain(percent)} % logrado{above}; capture numerador y denominador para "
        "que el periodo acumule",
        "warning",
    ))  # fmt: skip
    return Figures(percent, 100.0, None)


def _amount(cells: RowCells, cell: tuple[str, str], label: str) -> float | None:
    parsed = parse_number(cell[1])
    if parsed is None:
        return None
    if isinstance(parsed, Rejected):
        raise _reject(cells, cell, parsed.reason)
    if parsed.percent:
        raise _reject(cells, cell, f"{label} es una cantidad: escríbala sin %")
    if parsed.value < 0:
        raise _reject(cells, cell, f"{label} no puede ser negativo")
    return parsed.value


def _issue(cells: RowCells, cell: tuple[str, str], reason: str, severity: str) -> CellIssue:
    return CellIssue(cells.tab, cell[0], cell[1], reason, severity, cells.unit)


def _reject(cells: RowCells, cell: tuple[str, str], reason: str) -> RowRejected:
    return RowRejected(_issue(cells, cell, reason, "error"))
