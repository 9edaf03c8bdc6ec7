"""Apply Alembic migrations from code: on start, from `make migrate` and in tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database to ``revision``."""
    if database.is_sqlite:
        url = database.url.split("///", 1)[-1]
        if url and url != ":memory:":
            Path(url).parent.mkdir(parents=True, exist_ok=True)
    async with database.write_engine.connect() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
        await conn.commit()


def _revisions(sync: Connection) -> tuple[set[str], set[str]]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = set(MigrationContext.configure(sync).get_current_heads())
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return current, heads


async def revisions(database: Database) -> tuple[set[str], set[str]]:
    """The database's current revisions and the migrations' heads (equal when it is migrated)."""
    async with database.engine.connect() as conn:
        return await conn.run_sync(_revisions)
