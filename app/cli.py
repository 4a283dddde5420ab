"""`semaforo …`: the command line. Parse, call the service, format, print; errors in one place."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app import operations, report_command
from scoring import PeriodError
from semaforo import service
from semaforo.captures_csv import to_csv
from semaforo.catalogue.check import check, check_text, has_errors
from semaforo.catalogue.export import catalogue_json
from semaforo.catalogue.files import CatalogueError, available_programmes, load_programme
from semaforo.errors import SemaforoError, TargetNotModified, Unavailable
from semaforo.formatting import modification_text, status_json, status_text
from semaforo.logs import key_material, redact_everywhere, scrub, url_password
from semaforo.people.owners import INVITE_DAYS, add_owner, invite, list_owners, revoke
from semaforo.settings import Settings, SettingsProblems, clock_from, load_settings
from semaforo.store import captures
from semaforo.store.engine import create_schema, make_engine, transaction
from sheets_sync.open import open_workbook
from sheets_sync.owners_file import import_owners
from sheets_sync.sync import init_workbook, sync
from sheets_sync.workbook import WorkbookError

log = logging.getLogger("semaforo")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `semaforo` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    _log_setup(verbose=args.verbose)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
        _hide_secrets(settings)
        programme = args.programme or settings.programme
        return int(args.handler(args, settings, programme))
    except SettingsProblems as exc:
        for line in exc.lines:
            _error(line)
        return EXIT_USAGE
    except Unavailable as exc:  # nothing done; try again later
        _error(str(exc))
        return EXIT_PROBLEMS
    except (SemaforoError, PeriodError, CatalogueError, WorkbookError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except OperationalError as exc:
        _error(f"la base de datos no responde: {exc.orig}")
        return EXIT_PROBLEMS
    except BrokenPipeError:  # the reader (e.g. `| head`) has gone: nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        _error(f"{exc.strerror}: {exc.filename}")
        return EXIT_USAGE
    except Exception as exc:  # unforeseen: one line; the traceback (masked) only with -v
        log.info("unexpected failure", exc_info=True)
        first = next(iter(str(exc).splitlines()), "")
        _error(f"fallo inesperado: {type(exc).__name__}: {first} (con -v, el detalle)")
        return EXIT_PROBLEMS


def _log_setup(*, verbose: bool) -> None:
    """One handler on stderr; tokens in Bot API URLs masked from the first line on."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)  # warnings go through the same (masking) handler
    if not verbose:  # HTTP clients' retry notes; the command says the outcome in one line
        logging.getLogger("urllib3").setLevel(logging.ERROR)
    redact_everywhere([])


def _hide_secrets(settings: Settings) -> None:
    """Every configured secret masked in every log line and error, for every command."""
    secrets = (settings.telegram_token, settings.telegram_webhook_secret)
    redact_everywhere([
        *(s.get_secret_value() for s in secrets if s is not None),
        *url_password(settings.database_url),
        *key_material(settings.google_credentials),
    ])  # fmt: skip


def _error(line: str) -> None:
    print(f"error: {scrub(line)}", file=sys.stderr)


Handler = Callable[[argparse.Namespace, Settings, str], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="semaforo", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--programme",
        help=f"programme id (default: SEMAFORO_PROGRAMME or pat-inm-2019); bundled: "
        f"{', '.join(available_programmes())}",
    )
    sub = parser.add_subparsers(title="commands")

    cat = sub.add_parser("catalogue", help="load, check or export a programme's catalogue")
    cat_sub = cat.add_subparsers(title="catalogue commands", required=True)
    _cmd(cat_sub, "load", "check and write the catalogue to the database", _catalogue_load, common)
    _cmd(
        cat_sub, "check", "report errors and the source's irregularities", _catalogue_check, common
    )
    export = _cmd(cat_sub, "export", "print the stored catalogue", _catalogue_export, common)
    export.add_argument("--json", action="store_true", required=True, help="as JSON")
    modify = _cmd(
        cat_sub, "modify",
        "modify an approved month's target (and weight) with a reason; the approved one is kept",
        _catalogue_modify, common,
    )  # fmt: skip
    modify.add_argument("code", help="indicator code, e.g. 2.3.1")
    modify.add_argument("--month", default="", help="mar, marzo or 2019-03")
    modify.add_argument("--target", default="", help="the target in force from now on, e.g. 90")
    modify.add_argument("--weight", help="the month's weight in force (default: unchanged)")
    modify.add_argument("--reason", default="", help="why (kept in the history)")
    modify.add_argument(
        "--office", default="", help="an office with targets of its own (OR-09); default: all"
    )

    cap = sub.add_parser("captures", help="import or export captured values (long CSV)")
    cap_sub = cap.add_subparsers(title="captures commands", required=True)
    imp = _cmd(cap_sub, "import", "import a capture CSV", _captures_import, common)
    imp.add_argument("file", type=Path)
    exp = _cmd(cap_sub, "export", "print every capture as CSV", _captures_export, common)
    exp.add_argument("--output", type=Path, help="write to this file instead of stdout")

    own = sub.add_parser("owners", help="the people who capture, direct and plan")
    own_sub = own.add_subparsers(title="owners commands", required=True)
    add = _cmd(own_sub, "add", "add or update a person", _owners_add, common)
    add.add_argument("name")
    add.add_argument("--telegram-id", type=int, help="the person's numeric Telegram id")
    add.add_argument("--username", help="the person's Telegram @username")
    add.add_argument("--email", help="for protected ranges in the workbook and invitations")
    add.add_argument("--role", required=True, choices=("capture", "director", "planning"))
    add.add_argument("--units", default="", help="unit codes, e.g. 2.3,2.4")
    inv = _cmd(own_sub, "invite", "a one-time code to register with /start CODE", _owners_invite,
               common)  # fmt: skip
    inv.add_argument("email")
    inv.add_argument(
        "--replace", action="store_true",
        help="for a person already registered: the code moves them to another Telegram account "
        "(the old one is told)",
    )  # fmt: skip
    rev = _cmd(own_sub, "revoke", "revoke a person's unused codes (and, with --account, their "
               "Telegram account)", _owners_revoke, common)  # fmt: skip
    rev.add_argument("email")
    rev.add_argument(
        "--account", action="store_true",
        help="also unbind the Telegram account: the bot stops answering it",
    )  # fmt: skip
    _cmd(own_sub, "list", "everyone with their role and units", _owners_list, common)
    oimp = _cmd(
        own_sub, "import",
        "add or update people from a CSV with the Responsables columns "
        "(Nombre, Correo, Telegram, Rol, Unidades)",
        _owners_import, common,
    )  # fmt: skip
    oimp.add_argument("file", type=Path)

    sheet = sub.add_parser("sheet", help="the capture workbook")
    sheet_sub = sheet.add_subparsers(title="sheet commands", required=True)
    _cmd(sheet_sub, "init", "build or update the workbook from the catalogue", _sheet_init, common)
    sy = _cmd(sub, "sync", "pull the workbook into the database", _sync, common)
    sy.add_argument("--json", action="store_true", help="the run as JSON")

    st = _cmd(
        sub,
        "status",
        "score and colour of the institution, a unit or an indicator",
        _status,
        common,
    )
    st.add_argument("code", nargs="?", default="", help="unit or indicator code, e.g. 2.3")
    st.add_argument("--period", help="2019-03, mar, 2019-T1, T1, 2019-ytd or 2019")
    st.add_argument("--as-of", type=_date, help="the date to judge deadlines by (YYYY-MM-DD)")
    st.add_argument(
        "--known-at", type=_known_at,
        help="score the captures as they stood at this moment (YYYY-MM-DD means the end of that "
        "day, or YYYY-MM-DDTHH:MM, in the programme's time zone); alone, also the --as-of date",
    )  # fmt: skip
    st.add_argument("--depth", type=int, default=1, help="levels of children to show")
    st.add_argument("--json", action="store_true", help="as JSON")
    st.add_argument("--locale", choices=("es", "en"), help="language (default SEMAFORO_LOCALE)")
    operations.register(sub, common, _cmd)
    report_command.register(sub, common, _cmd, date=_date, moment=_known_at)
    return parser


def _cmd(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: Handler,
    common: argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, parents=[common])
    parser.set_defaults(handler=handler)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"fecha no válida «{text}»; use AAAA-MM-DD") from None


def _known_at(text: str) -> dt.datetime:
    """A moment; a date alone is the end of that day (what was known by the close of it)."""
    try:
        if len(text.strip()) == 10:
            day = dt.date.fromisoformat(text.strip())
            return dt.datetime.combine(day, dt.time(23, 59, 59, 999999))
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"momento no válido «{text}»; use AAAA-MM-DD o AAAA-MM-DDTHH:MM"
        ) from None


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return engine


def _catalogue_load(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    engine = _engine(settings)
    findings = service.load_catalogue(engine, programme)
    stored = service.programme(engine, programme)
    central = [i for i in stored.catalogue.indicators if not i.office_indicator]
    print(
        f"{programme}: {len(stored.catalogue.units)} unidades, {len(central)} indicadores "
        f"centrales, {len(stored.catalogue.indicators) - len(central)} de Oficinas de "
        f"Representación; {len(findings)} observaciones (semaforo catalogue check)"
    )
    return EXIT_OK


def _catalogue_check(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    findings = check(load_programme(programme))
    print(check_text(programme, findings))
    return EXIT_PROBLEMS if has_errors(findings) else EXIT_OK


def _catalogue_export(args: argparse.Namespace, settings: Settings, programme: str) -> int:

    stored = service.programme(_engine(settings), programme)
    print(json.dumps(catalogue_json(stored), ensure_ascii=False, indent=2))
    return EXIT_OK


def _catalogue_modify(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    if not args.month or not args.target:
        raise TargetNotModified(
            "faltan --month y --target: p. ej. semaforo catalogue modify 2.3.1 --month mar "
            "--target 90 --reason «…»"
        )
    engine = _engine(settings)
    change = service.modify_target(
        engine, programme, code=args.code, month=args.month, target=args.target,
        weight=args.weight, reason=args.reason, office=args.office,
        at=_now(settings, engine, programme),
    )  # fmt: skip
    print(f"{change.indicator}: {modification_text(change, settings.locale)}")
    print("queda en el historial de modificaciones; «semaforo sheet init» lo lleva a la hoja "
          "«Catálogo»")  # fmt: skip
    return EXIT_OK


def _captures_import(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    text = args.file.read_text(encoding="utf-8-sig")
    parsed, stats = service.import_captures(
        _engine(settings), programme, text, source=f"csv:{args.file.name}"
    )
    for p in parsed.problems:
        print(
            f"{args.file.name}:{p.line}: {'rechazada' if p.severity == 'error' else 'aviso'}: "
            f"{p.reason}",
            file=sys.stderr,
        )
    print(
        f"{len(parsed.rows)} filas válidas: {stats.created} nuevas, {stats.changed} cambiadas, "
        f"{stats.unchanged} sin cambio; {len(parsed.errors)} rechazadas"
    )
    return EXIT_PROBLEMS if parsed.errors else EXIT_OK


def _captures_export(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    engine = _engine(settings)
    service.programme(engine, programme)
    with transaction(engine) as session:
        rows = captures.export_captures(session=session, programme_id=programme)
    text = to_csv(rows)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _owners_add(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    owner = add_owner(
        _engine(settings), programme, name=args.name, role=args.role,
        units=args.units.split(","), telegram_id=args.telegram_id, username=args.username,
        email=args.email,
    )  # fmt: skip
    print(f"{owner.name}: {owner.role}, unidades {', '.join(owner.units) or 'todas'}")
    return EXIT_OK


def _owners_import(args: argparse.Namespace, settings: Settings, programme: str) -> int:

    text = args.file.read_text(encoding="utf-8-sig")
    changed, issues, problems = import_owners(
        _engine(settings), programme, text, name=args.file.name
    )
    for issue in issues:
        print(
            f"{args.file.name}:{issue.cell}: «{issue.shown_value}»: {issue.reason}", file=sys.stderr
        )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"{changed} personas nuevas o cambiadas, {len(issues)} filas rechazadas")
    return EXIT_OK if not issues and not problems else EXIT_PROBLEMS


def _owners_invite(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    engine = _engine(settings)
    now = _now(settings, engine, programme)
    owner, code = invite(engine, programme, args.email, now=now, replace=args.replace)
    expires = now + dt.timedelta(days=INVITE_DAYS)
    print(f"código para {owner.name}: {code}")
    print(f"que envíe al bot: /start {code}  (un solo uso, vence el {expires:%Y-%m-%d %H:%M}; "
          "los códigos anteriores de esta persona ya no valen)")  # fmt: skip
    if args.replace:
        print("al usarlo, la cuenta de Telegram anterior deja de recibir información y se le avisa")
    return EXIT_OK


def _owners_revoke(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    engine = _engine(settings)
    owner, revoked, unbound = revoke(
        engine, programme, args.email, account=args.account, now=_now(settings, engine, programme)
    )
    codes = "ningún código sin usar" if not revoked else (
        "1 código revocado" if revoked == 1 else f"{revoked} códigos revocados"
    )  # fmt: skip
    account = ""
    if args.account:
        account = (f"; la cuenta de Telegram {unbound} ya no está registrada" if unbound
                   else "; no tenía cuenta de Telegram registrada")  # fmt: skip
    print(f"{owner.name}: {codes}{account}")
    return EXIT_OK


def _now(settings: Settings, engine: Engine, programme: str) -> dt.datetime:
    """The service clock (SEMAFORO_CLOCK, or now) in the programme's time zone."""
    return clock_from(settings, service.programme(engine, programme).timezone)()


def _owners_list(args: argparse.Namespace, settings: Settings, programme: str) -> int:

    for o in list_owners(_engine(settings), programme):
        telegram = o.telegram_username or (str(o.telegram_id) if o.telegram_id else "—")
        flag = " (no recibe mensajes)" if o.unreachable else ""
        print(f"{o.name:30} {o.role:9} {telegram:16} {o.email or '—':30} "
              f"{', '.join(o.units) or 'todas'}{flag}")  # fmt: skip
    return EXIT_OK


def _sheet_init(args: argparse.Namespace, settings: Settings, programme: str) -> int:

    workbook = open_workbook(settings, programme, writable=True)
    done = init_workbook(_engine(settings), workbook, programme, progress=_progress_bar)
    if done.merged is not None and done.merged.total_changes:
        merged = done.merged
        print(f"antes de reescribirlo se aplicó lo que había en el libro sin sincronizar: "
              f"{merged.created} nuevas, {merged.changed} cambiadas, {merged.cleared} borradas, "
              f"{merged.catalogue_changes} cambios de catálogo, {merged.owner_changes} de "
              "responsables")  # fmt: skip
    print(f"libro listo: {settings.workbook_location(programme)} ({done.requests} solicitudes)")
    return EXIT_OK


def _progress_bar(done: int, total: int, what: str) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what:<24}{end}")
    sys.stderr.flush()


def _sync(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    location = settings.workbook_location(programme)
    report = sync(_engine(settings), open_workbook(settings, programme), programme, name=location)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            print(f"aviso: {problem}", file=sys.stderr)
        for issue in report.issues:
            kind = "rechazada" if issue.severity == "error" else "aviso"
            print(
                f"{issue.tab}!{issue.cell}: {kind}: «{issue.shown_value}»: {issue.reason}",
                file=sys.stderr,
            )
        if report.outcome == "ok":
            print(
                f"sincronización {report.run_id}: {report.requests} solicitudes, "
                f"{report.cells_read} celdas; {report.created} nuevas, {report.changed} cambiadas, "
                f"{report.cleared} borradas, {report.catalogue_changes} cambios de catálogo, "
                f"{report.owner_changes} de responsables; {report.rejected} rechazadas"
            )
            if report.problems:
                print(
                    f"{len(report.problems)} parte(s) del libro no se leyeron (arriba); lo demás "
                    "se aplicó",
                    file=sys.stderr,
                )
        else:
            print(
                f"sincronización {report.run_id} falló: {report.message}; la base quedó como "
                "estaba",
                file=sys.stderr,
            )
    # Non-zero when anything was left unread: a failed run, or a tab or columns not found.
    return EXIT_OK if report.outcome == "ok" and not report.problems else EXIT_PROBLEMS


def _status(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    answer = service.status(
        _engine(settings), programme, code=args.code, period=args.period, as_of=args.as_of,
        known_at=args.known_at,
    )  # fmt: skip
    if args.json:
        doc = status_json(
            answer.node, period=answer.period, as_of=answer.as_of, coverage=answer.coverage,
            known_at=answer.known_at, modifications=answer.modifications,
        )  # fmt: skip
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(
            status_text(
                answer.node,
                period=answer.period,
                as_of=answer.as_of,
                locale=args.locale or settings.locale,
                depth=args.depth,
                coverage=answer.coverage,
                known_at=answer.known_at,
                modifications=answer.modifications,
            )
        )
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
