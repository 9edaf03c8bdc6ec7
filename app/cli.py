"""The ``mailgate`` command: serve, migrate, demo, create-user, export-schema, import-mbox, smtpd.

Settings come from ``MAILGATE_*`` variables (``app.settings``); progress goes
to stderr through rich, so ``mailgate export-schema > schema.graphql`` writes
only the SDL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence

from rich.console import Console

from app.settings import Settings, get_settings

err = Console(stderr=True)


# ---------------------------------------------------------------------------
# Database commands


async def _migrate(settings: Settings) -> None:
    from db.engine import Database
    from db.migrate import upgrade

    db = Database(settings.database_url)
    try:
        with err.status(f"Migrating {_safe_url(db.url)}"):
            await upgrade(db)
    finally:
        await db.dispose()
    err.print("[green]✓[/] database is at the latest revision")


async def _demo(settings: Settings, *, migrate: bool) -> bool:
    from app.demo import load_demo_data
    from db.engine import Database
    from db.migrate import upgrade

    db = Database(settings.database_url)
    try:
        if migrate:
            with err.status("Migrating"):
                await upgrade(db)
        with err.status("Loading demo data (two users, a few hundred messages)"):
            loaded = await load_demo_data(db, domain=settings.mail_domain)
    finally:
        await db.dispose()
    if loaded:
        err.print("[green]✓[/] demo data loaded: sign in as [bold]user_test[/] / [bold]TestPassword[/]")
    else:
        err.print("[yellow]•[/] demo data is there already (user_test exists)")
    return loaded


async def _create_user(settings: Settings, login: str, name: str, email: str, password: str) -> int:
    from db.engine import Database
    from resolvers.errors import BadUserInput, Conflict
    from resolvers.users import create_user

    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            user = await create_user(session, login=login, name=name, email=email, password=password)
    except (BadUserInput, Conflict) as exc:
        err.print(f"[red]✗[/] {exc}")
        return 1
    finally:
        await db.dispose()
    err.print(f"[green]✓[/] user {user.login} <{user.email}> created (id {user.id})")
    return 0


async def _import_mbox(settings: Settings, path: str, login: str, folder: str | None) -> int:
    """Import an mbox or .eml file into a user's folder with a progress bar."""
    from pathlib import Path

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from db.engine import Database
    from resolvers.errors import MailgateError
    from resolvers.mail_import import ImportOutcome, import_mbox_file, import_target

    try:
        size = await asyncio.to_thread(lambda: Path(path).stat().st_size)
    except OSError as exc:
        err.print(f"[red]✗[/] cannot read {path}: {exc.strerror}")
        return 1
    db = Database(settings.database_url)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    try:
        await import_target(db, login, folder)  # a wrong user or folder is said before any progress bar
        with Progress(*columns, console=err) as bar:
            task = bar.add_task(f"Importing {Path(path).name}", total=size)

            def advance(outcome: ImportOutcome, bytes_read: int) -> None:
                bar.update(task, completed=bytes_read, description=f"{outcome.created} imported")

            outcome = await import_mbox_file(db, path, login, folder, advance, domain=settings.mail_domain)
    except MailgateError as exc:
        err.print(f"[red]✗[/] {exc.message}")
        return 1
    finally:
        await db.dispose()
    for number, message in outcome.errors[:20]:
        err.print(f"[yellow]•[/] message {number}: {message}")
    skipped = f", {outcome.skipped} skipped (the folder already holds their Message-ID)" if outcome.skipped else ""
    err.print(f"[green]✓[/] {outcome.created} messages imported{skipped}, {outcome.failed} failed")
    return 0 if outcome.failed == 0 else 2


async def _smtpd(settings: Settings, host: str, port: int, lmtp: bool) -> None:
    # app.services, not app.main: the SMTP server needs no web app, and importing it costs seconds.
    from app.services import make_services
    from app.smtpd import serve_smtp

    services = make_services(settings)
    try:
        await serve_smtp(services, host, port, lmtp=lmtp)  # logs "listening" once the port is bound
    finally:
        await services.db.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ---------------------------------------------------------------------------
# Schema


def federation_sdl() -> str:
    """The subgraph SDL exactly as ``{ _service { sdl } }`` answers it (``@link``, ``@key``...)."""
    from schema.build import build_schema

    schema = build_schema()
    sdl = getattr(schema, "_federation_sdl", None)  # not in strawberry 0.341; _service prints as_str()
    return str(sdl) if isinstance(sdl, str) else schema.as_str()


def plain_sdl() -> str:
    """The served SDL without Federation: no ``@link``/``@key``, no ``_service``/``_entities``.

    graphql-core's ``build_schema`` reads it as is.
    """
    from graphql import (
        REMOVE,
        DirectiveDefinitionNode,
        DirectiveNode,
        DocumentNode,
        FieldDefinitionNode,
        SchemaDefinitionNode,
        SchemaExtensionNode,
        TypeDefinitionNode,
        Visitor,
        build_ast_schema,
        parse,
        print_schema,
        specified_directives,
        visit,
    )

    document = parse(federation_sdl())
    defined = {d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)}
    allowed = defined | {d.name for d in specified_directives}
    federation_types = {"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet", "link__Import", "link__Purpose"}

    class StripFederation(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: object) -> object:
            return None if node.name.value in allowed else REMOVE

        def enter_field_definition(self, node: FieldDefinitionNode, *_args: object) -> object:
            return REMOVE if node.name.value in ("_service", "_entities") else None

        def enter_schema_definition(self, _node: SchemaDefinitionNode, *_args: object) -> object:
            return REMOVE  # the root types are named Query, Mutation and Subscription

        def enter_schema_extension(self, _node: SchemaExtensionNode, *_args: object) -> object:
            return REMOVE

    kept = tuple(
        d
        for d in document.definitions
        if not (isinstance(d, TypeDefinitionNode) and d.name.value in federation_types)
        and not (isinstance(d, DirectiveDefinitionNode) and d.name.value not in allowed)
    )
    stripped = visit(DocumentNode(definitions=kept), StripFederation())
    return print_schema(build_ast_schema(stripped)) + "\n"


# ---------------------------------------------------------------------------
# Serving


def _serve(settings: Settings, *, demo: bool, host: str | None, port: int | None) -> int:
    import uvicorn

    from app.main import create_app

    if host or port:
        settings = settings.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v})
    if settings.migrate_on_start:
        asyncio.run(_migrate(settings))
    if demo or settings.demo_data:
        asyncio.run(_demo(settings, migrate=False))
    # Done here already: the app's lifespan must not migrate or load again.
    served = settings.model_copy(update={"migrate_on_start": False, "demo_data": False})
    # uvicorn logs through the root handler (log_config=None), in MAILGATE_LOG_FORMAT too.
    uvicorn.run(
        create_app(served),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
        proxy_headers=False,
    )
    return 0


# ---------------------------------------------------------------------------
# Arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailgate",
        description="mailgate: a GraphQL gateway over the mail domain. Settings come from MAILGATE_* variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, optionally load demo data, and serve HTTP")
    serve.add_argument("--demo", action="store_true", help="load demo data (also MAILGATE_DEMO_DATA=1)")
    serve.add_argument("--host", help="bind address (default MAILGATE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default MAILGATE_PORT or 8000)")

    commands.add_parser("migrate", help="apply database migrations")
    demo = commands.add_parser("demo", help="load the demo users and their mail (once)")
    demo.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")

    user = commands.add_parser("create-user", help="create a user with its system folders")
    user.add_argument("login")
    user.add_argument("--name", help="display name (default: the login)")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True, help="at least 8 characters")

    mbox = commands.add_parser("import-mbox", help="import an mbox or .eml file into a user's mailbox")
    mbox.add_argument("path")
    mbox.add_argument("--user", required=True, help="the login of the mailbox owner")
    mbox.add_argument("--folder", help="a folder name or role (default: the Inbox)")

    smtpd = commands.add_parser("smtpd", help="accept mail for local users over SMTP (or LMTP)")
    smtpd.add_argument("--host", default="127.0.0.1")
    smtpd.add_argument("--port", type=int, default=2525)
    smtpd.add_argument("--lmtp", action="store_true", help="speak LMTP (one reply per recipient)")

    export = commands.add_parser("export-schema", help="print the served GraphQL SDL")
    export.add_argument(
        "--federation",
        action="store_true",
        help="print the Federation 2 subgraph SDL (as _service { sdl } answers) instead of plain SDL",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(federation_sdl() + "\n" if args.federation else plain_sdl())
        return 0
    settings = get_settings()
    if args.command in ("serve", "smtpd"):
        from app.oplog import configure_logging

        configure_logging(settings.log_format)
        # JSON logs are for a log shipper: no progress text between the lines.
        err.quiet = settings.log_format == "json"
    if args.command == "serve":
        return _serve(settings, demo=args.demo, host=args.host, port=args.port)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "demo":
        asyncio.run(_demo(settings, migrate=not args.no_migrate))
        return 0
    if args.command == "create-user":
        return asyncio.run(_create_user(settings, args.login, args.name or args.login, args.email, args.password))
    if args.command == "import-mbox":
        return asyncio.run(_import_mbox(settings, args.path, args.user, args.folder))
    if args.command == "smtpd":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_smtpd(settings, args.host, args.port, args.lmtp))
        return 0
    raise AssertionError(args.command)  # argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
