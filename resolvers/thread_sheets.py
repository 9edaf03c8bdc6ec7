"""Mail threads as sheet rows: the columns, reading a sheet, and the import (the export is thread_export.py).

The sheet has three columns, the same for the template, the export and the import,
so that an export imports back unchanged:

- ``id``: the thread's key. Empty: a new thread with a generated key. A key that no
  thread has: a new thread with that key. The key of a thread the importer sees:
  that thread is updated. Someone else's key fails the row.
- ``name``: required, 1..1024 characters.
- ``followers``: logins or e-mail addresses separated by commas. When the column is
  in the sheet it replaces the followers of an updated thread (an empty cell: no
  followers); a created thread is followed by the importer too. Without the column,
  followers stay as they are.

Headers are matched case-insensitively; a background import may map other headers to
these fields. Each batch of rows is one unit of work and each row a savepoint in it,
so a row that fails rolls back only itself. Sheet reading and writing is resolvers/formats/sheets.py,
which imports nothing of ours (like the rest of resolvers/formats).
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import Follower, MailThread, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, Conflict, MailgateError
from resolvers.formats.sheets import EXTENSIONS, MIME_TYPES, SheetError, SheetWriter, read_rows, sheet_format
from resolvers.generated_files import ERROR_REPORT, StoredFile, store_file
from resolvers.thread_store import MAX_NAME, ThreadInput, insert_thread, update_thread
from resolvers.threads import check_key, new_key, visible_to
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
U = table_of(User)

ID, NAME, FOLLOWERS = "id", "name", "followers"
COLUMNS: tuple[str, ...] = (ID, NAME, FOLLOWERS)
ERROR_COLUMN = "error"
#: Rows saved in one unit of work by an import; progress is reported after each.
IMPORT_BATCH = 100
#: ImportResult.errors lists at most this many rows; the error report has them all.
MAX_LISTED_ERRORS = 1000

Progress = Callable[[int], Awaitable[None]]
#: File name extension and MIME type of each sheet format ("XLSX", "CSV").
SHEET_EXTENSIONS = EXTENSIONS
SHEET_MIME_TYPES = MIME_TYPES


def open_sheet(data: bytes) -> tuple[str, Iterator[list[str]]]:
    """The format of an uploaded sheet (told by its content) and its rows, the header row first."""
    return sheet_format(data[:8]), read_rows(io.BytesIO(data))


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str | None
    message: str


@dataclass(slots=True)
class ImportOutcome:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    report: StoredFile | None = None

    def as_json(self) -> dict[str, Any]:
        """What an ImportJob keeps as its result."""
        return {
            "created": self.created,
            "updated": self.updated,
            "failed": self.failed,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "errorReport": None
            if self.report is None
            else {"id": self.report.id, "fileName": self.report.file_name, "mimeType": self.report.mime_type},
        }


def check_mapping(value: object) -> dict[str, str] | None:
    """A columnMapping: an object of sheet header -> field name; BAD_USER_INPUT otherwise."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadUserInput('columnMapping must be an object like {"Sheet header": "name"}', argument="columnMapping")
    mapping: dict[str, str] = {}
    for header, target in value.items():
        if not isinstance(target, str) or target.strip().casefold() not in COLUMNS:
            raise BadUserInput(
                f"columnMapping maps {header!r} to {target!r}; the fields are {', '.join(COLUMNS)}",
                argument="columnMapping",
            )
        mapping[str(header).strip().casefold()] = target.strip().casefold()
    return mapping


def column_fields(headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Field -> column index, from the header row (and a checked mapping); BAD_USER_INPUT without a name column."""
    fields: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().casefold()
        target = (mapping or {}).get(key) or (key if key in COLUMNS else None)
        if target is None:
            continue
        if target in fields:
            raise BadUserInput(f"two columns of the sheet give the field {target}", argument="file")
        fields[target] = index
    if NAME not in fields:
        raise BadUserInput(f"the sheet has no {NAME} column (its header row is row 1)", argument="file")
    return fields


def data_rows(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cells) of the rows after the header that are not empty; SheetError as BAD_USER_INPUT."""
    try:
        for number, cells in enumerate(rows, start=2):
            if any(c.strip() for c in cells):
                yield number, cells
    except SheetError as exc:
        raise BadUserInput(str(exc), argument="file") from exc


def header_row(rows: Iterator[list[str]]) -> list[str]:
    try:
        return next(rows)
    except StopIteration:
        raise BadUserInput("the sheet is empty: row 1 must name the columns", argument="file") from None
    except SheetError as exc:
        raise BadUserInput(str(exc), argument="file") from exc


@dataclass(slots=True)
class _Row:
    number: int
    cells: list[str]
    key: str | None = None
    name: str = ""
    followers: list[str] | None = None
    follower_ids: list[int] = field(default_factory=list)


class ThreadImport:
    """One import of a sheet by one viewer."""

    def __init__(
        self, db: Database, viewer: Viewer, headers: list[str], fmt: str, *, mapping: dict[str, str] | None = None
    ) -> None:
        self.db = db
        self.viewer = viewer
        self.headers = headers
        self.format = fmt
        self.fields = column_fields(headers, mapping)
        self.outcome = ImportOutcome()
        self._seen: dict[str, int] = {}
        self._report: SheetWriter | None = None
        self._failed: list[tuple[RowError, list[str]]] = []

    async def run(
        self, rows: Iterator[tuple[int, list[str]]], *, domain: str, progress: Progress | None = None
    ) -> ImportOutcome:
        processed = 0
        batch: list[_Row] = []
        for number, cells in rows:
            batch.append(_Row(number, cells))
            if len(batch) >= IMPORT_BATCH:
                await self._save(batch, domain)
                processed += len(batch)
                batch = []
                if progress is not None:
                    await progress(processed)
        if batch:
            await self._save(batch, domain)
            processed += len(batch)
            if progress is not None:
                await progress(processed)
        return self.outcome

    async def finish(self, ttl: int) -> ImportOutcome:
        """Store the error report (the failed rows with an error column) when rows failed."""
        if self._report is not None:
            name = f"mail-thread-import-errors.{EXTENSIONS[self.format]}"
            data = self._report.to_bytes()
            async with self.db.write() as session:
                self.outcome.report = await store_file(
                    session, self.viewer.user_id, ERROR_REPORT, name, self._report.mime_type, data, ttl
                )
        return self.outcome

    # -- one batch -------------------------------------------------------------

    def _cell(self, row: _Row, name: str) -> str | None:
        index = self.fields.get(name)
        if index is None:
            return None
        return row.cells[index].strip() if index < len(row.cells) else ""

    def _fail(self, row: _Row, column: str | None, message: str) -> None:
        error = RowError(row.number, column, message)
        self._failed.append((error, row.cells))

    def _parse(self, row: _Row) -> bool:
        key = self._cell(row, ID) or None
        if key is not None:
            try:
                row.key = check_key(key)
            except BadUserInput as exc:
                self._fail(row, ID, exc.message)
                return False
            first = self._seen.setdefault(row.key, row.number)
            if first != row.number:
                self._fail(row, ID, f"the id {row.key} is on row {first} already")
                return False
        row.name = self._cell(row, NAME) or ""
        if not row.name:
            self._fail(row, NAME, "a name is required")
            return False
        if len(row.name) > MAX_NAME:
            self._fail(row, NAME, f"a name has at most {MAX_NAME} characters")
            return False
        cell = self._cell(row, FOLLOWERS)
        if cell is not None:
            row.followers = list(dict.fromkeys(p.strip() for p in cell.split(",") if p.strip()))
        return True

    async def _users(self, session: AsyncSession, rows: list[_Row]) -> dict[str, int]:
        """Lowercased login or e-mail -> user id, for every follower the rows name."""
        wanted = {name.casefold() for row in rows for name in row.followers or ()}
        if not wanted:
            return {}
        found: dict[str, int] = {}
        names = sorted(wanted)
        statement = select(U.c.id, U.c.login, U.c.email).where(
            or_(func.lower(U.c.login).in_(names), func.lower(U.c.email).in_(names))
        )
        for uid, login, email in await session.execute(statement):
            found.setdefault(email.casefold(), uid)
            found[login.casefold()] = uid  # a login wins over someone else's address
        return found

    async def _keys(self, session: AsyncSession, rows: list[_Row]) -> dict[str, bool]:
        """Key -> whether the viewer sees it, for the rows' keys that exist."""
        keys = [row.key for row in rows if row.key]
        if not keys:
            return {}
        statement = select(T.c.id, visible_to(self.viewer).label("visible")).where(T.c.id.in_(keys))
        return {r.id: bool(r.visible) for r in await session.execute(statement)}

    async def _save(self, batch: list[_Row], domain: str) -> None:
        rows = [row for row in batch if self._parse(row)]
        async with self.db.write() as session:
            users = await self._users(session, rows)
            keys = await self._keys(session, rows)
            creates: list[_Row] = []
            updates: list[_Row] = []
            for row in rows:
                unknown = [name for name in row.followers or () if name.casefold() not in users]
                if unknown:
                    self._fail(row, FOLLOWERS, f"unknown user: {', '.join(unknown)}")
                    continue
                row.follower_ids = list(dict.fromkeys(users[n.casefold()] for n in row.followers or ()))
                if row.key is None or row.key not in keys:
                    creates.append(row)
                elif keys[row.key]:
                    updates.append(row)
                else:
                    self._fail(row, ID, f"the id {row.key} belongs to a mail thread you cannot see")
            await self._create(session, creates)
            for row in updates:
                if await self._row(session, row, self._update(session, row, domain)):
                    self.outcome.updated += 1
        self._report_failures()

    async def _create(self, session: AsyncSession, rows: list[_Row]) -> None:
        """New threads: all in one go, or one by one when that fails (a key taken meanwhile)."""
        if not rows:
            return
        try:
            async with session.begin_nested():
                await self._insert_many(session, rows)
        except IntegrityError:
            for row in rows:
                insert = insert_thread(session, self.viewer.user_id, row.name, row.key, row.follower_ids)
                if await self._row(session, row, insert):
                    self.outcome.created += 1
        else:
            self.outcome.created += len(rows)

    async def _insert_many(self, session: AsyncSession, rows: list[_Row]) -> None:
        now = utcnow()
        creator = self.viewer.user_id
        for row in rows:
            row.key = row.key or new_key()
        threads = [
            {"id": r.key, "name": r.name, "name_key": r.name.casefold(), "created_by": creator,
             "created_at": now, "updated_at": now}
            for r in rows
        ]  # fmt: skip
        await session.execute(insert(T), threads)
        followers = [
            {"thread_id": r.key, "user_id": uid, "since": now}
            for r in rows
            for uid in dict.fromkeys([creator, *r.follower_ids])
        ]
        await session.execute(insert(F), followers)

    async def _update(self, session: AsyncSession, row: _Row, domain: str) -> None:
        followers = None if row.followers is None else [str(uid) for uid in row.follower_ids]
        data = ThreadInput(key=row.key, name=row.name, follower_ids=followers)
        await update_thread(session, self.viewer, row.key or "", data, domain=domain)

    async def _row(self, session: AsyncSession, row: _Row, write: Awaitable[Any]) -> bool:
        """Run one row's write in a savepoint: a failure rolls back that row only."""
        try:
            async with session.begin_nested():
                await write
        except MailgateError as exc:
            self._fail(row, ID if isinstance(exc, Conflict) else None, exc.message)
        except IntegrityError:
            self._fail(row, ID, f"the id {row.key} was taken meanwhile")
        else:
            return True
        return False

    def _report_failures(self) -> None:
        if not self._failed:
            return
        self._failed.sort(key=lambda item: item[0].row)
        if self._report is None:
            self._report = SheetWriter(self.format, "Errors")
            self._report.header([*self.headers, ERROR_COLUMN])
        width = len(self.headers)
        for error, cells in self._failed:
            self.outcome.failed += 1
            if len(self.outcome.errors) < MAX_LISTED_ERRORS:
                self.outcome.errors.append(error)
            padded = (cells + [""] * width)[:width]
            self._report.append([*padded, f"{error.column}: {error.message}" if error.column else error.message])
        self._failed = []
