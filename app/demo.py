"""`semaforo demo`: the whole product on embedded defaults, with no account and no network.

Builds a local .xlsx workbook of the PAT 2019 with plausible captures for January to March
(and a few typical mistakes), syncs it into SQLite, and shows what each person would get.
The workbook is kept: edit it and run the demo again to see the change.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bot.replies import status_reply
from semaforo import answers, chart, service
from semaforo.catalogue.files import catalogues_root
from semaforo.formatting import status_text
from semaforo.people.owners import list_owners
from semaforo.reminders import ledger
from semaforo.reminders.plan import KIND_WORDS
from semaforo.reminders.text import reminder_text
from semaforo.store.engine import create_schema, make_engine
from sheets_sync.layout import CAPTURE_HEADERS
from sheets_sync.owners_file import import_owners
from sheets_sync.sync import init_workbook, sync
from sheets_sync.xlsx import XlsxWorkbook

PAT = "pat-inm-2019"
AS_OF = dt.date(2019, 4, 10)
REMINDERS_AT = dt.datetime(2019, 3, 27, 9, 0)

MISTAKES = (
    # (tab, indicator, column, what a person typed): each is rejected with its reason
    ("Marzo 2019", "2.3.2", "Numerador", "N/A"),
    ("Marzo 2019", "2.4.1", "Denominador", "0"),
    ("Marzo 2019", "3.1.1", "Numerador", "=H7*2"),
    ("Marzo 2019", "4.1.1", "Logrado", "-4"),
    ("Febrero 2019", "4.1.1", "Logrado", "doce"),
    ("Marzo 2019", "5.3.2", "Logrado", "—"),
)
MEANT = (
    # typed the way people type, read as meant
    ("Marzo 2019", "5.2.2", "Logrado", " 1 "),
)

Say = Callable[[str], None]


def run(folder: Path, *, say: Say = print) -> int:
    """Build (once) and sync the demo workbook, then show every user's view; the exit status."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pat-inm-2019.xlsx"
    if not path.exists():
        say(f"Construyendo el libro de captura de ejemplo en {path} …")
        _build(path)
    engine = make_engine(f"sqlite:///{folder / 'semaforo.db'}")
    create_schema(engine)
    report = sync(engine, XlsxWorkbook(path), PAT, name=str(path))
    say(f"\n== Sincronización: {report.total_changes} cambios, {report.rejected} celdas "
        f"rechazadas ==")  # fmt: skip
    for issue in report.rejected_issues:
        say(f"  ✘ «{issue.tab}»!{issue.cell}: «{issue.shown_value}» — {issue.reason}")

    answer = service.status(engine, PAT, as_of=AS_OF, period="2019-T1")
    say("\n== Lo que ve Planeación: el semáforo del INM (2019-T1) ==")
    say(status_text(answer.node, period=answer.period, as_of=answer.as_of, depth=1,
                    coverage=answer.coverage))  # fmt: skip

    say("\n== Lo que recibe quien dirige 2.3 al escribir /status 2.3 ==")
    say(_director_view(engine))

    due = ledger.due_at(engine, PAT, REMINDERS_AT)
    kinds = Counter(KIND_WORDS[r.kind] for r in due.pending)
    say(f"\n== Recordatorios que saldrían el {REMINDERS_AT:%Y-%m-%d %H:%M}: "
        f"{len(due.pending)} ({', '.join(f'{n} {k}' for k, n in kinds.items())}) ==")  # fmt: skip
    for reminder in due.pending[:2]:
        say(f"— a {reminder.owner.name}:")
        say("  " + reminder_text(reminder, year=2019, today=REMINDERS_AT.date()).replace(
            "\n", "\n  "))  # fmt: skip

    png = folder / "grafica-2.3.1.png"
    png.write_bytes(chart.render_png(chart.chart_series(engine, PAT, "2.3.1", as_of=AS_OF)))
    engine.dispose()
    say("\n== Dónde seguir ==")
    say(f"Libro de captura: {path}  (edítelo y vuelva a correr la demo)")
    say(f"Gráfica de /grafica 2.3.1: {png}")
    say(f"Base de datos: sqlite:///{folder / 'semaforo.db'}")
    say(f"Más: SEMAFORO_DATABASE_URL=sqlite:///{folder / 'semaforo.db'} "
        ".venv/bin/semaforo status 2.3 --as-of 2019-04-10")  # fmt: skip
    return 0


def _director_view(engine: Engine) -> str:

    director = next(o for o in list_owners(engine, PAT) if o.role == "director" and "2" in o.units)
    person = answers.Viewer(director, frozenset({"2.3"}))  # as if they directed 2.3 only
    [found] = answers.status_for(engine, PAT, person, code="2.3", period=None, as_of=AS_OF)
    reply = status_reply(found, parent=answers.parent_code(found.programme, person, "2.3"))
    buttons = "  ".join(f"[{label}]" for row in reply.buttons for label, _ in row)
    return f"{reply.text}\nBotones: {buttons}"


def _build(path: Path) -> None:
    """The workbook `sheet init` makes, with the sample people and captures typed in."""
    root = catalogues_root() / PAT
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'build.db'}")
        create_schema(engine)
        service.import_captures(engine, PAT, (root / "sample-captures.csv").read_text("utf-8"),
                                source="demo")  # fmt: skip
        import_owners(engine, PAT, (root / "sample-owners.csv").read_text("utf-8"),
                      name="sample-owners.csv")  # fmt: skip
        built = Path(scratch) / "pat.xlsx"
        init_workbook(engine, XlsxWorkbook(built), PAT)
        engine.dispose()
        _type(built, MISTAKES + MEANT)
        shutil.copyfile(built, path)


def _type(path: Path, cells: tuple[tuple[str, str, str, str], ...]) -> None:
    book = load_workbook(path)
    for tab, code, header, text in cells:
        sheet = book[tab]
        column = CAPTURE_HEADERS.index(header) + 1
        row = next(r[0].row for r in sheet.iter_rows(min_row=3) if r[0].value == code)
        sheet.cell(row=row, column=column, value=text)
    book.save(path)
