"""The mailgate command: export-schema, migrate and create-user."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import build_schema

from app.cli import main
from app.settings import get_settings
from db.engine import Database
from resolvers.users import user_by_login
from schema.build import build_schema as build_served_schema


@pytest.fixture
def fresh_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MAILGATE_* pointing at an empty SQLite file; get_settings reads them anew."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("MAILGATE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("MAILGATE_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_export_schema_prints_plain_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema"]) == 0
    sdl = capsys.readouterr().out
    assert "type Query" in sdl and "type Mutation" in sdl
    assert "@key" not in sdl and "@link" not in sdl
    assert "_service" not in sdl and "_entities" not in sdl
    schema = build_schema(sdl)  # graphql-core reads it without help
    assert schema.query_type is not None and "messages" in schema.query_type.fields


def test_export_schema_federation_is_the_service_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema", "--federation"]) == 0
    sdl = capsys.readouterr().out
    assert "@link(" in sdl and '@key(fields: "id")' in sdl
    served = build_served_schema()
    answer = asyncio.run(served.execute("{ _service { sdl } }"))
    assert answer.errors is None and answer.data is not None
    assert sdl.strip() == answer.data["_service"]["sdl"].strip()


def test_console_script_exports_schema() -> None:
    script = Path(sys.executable).with_name("mailgate")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
    done = subprocess.run([*command, "export-schema"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "type Query" in done.stdout


def test_migrate_then_create_user(fresh_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert fresh_settings.exists()
    assert (
        main(["create-user", "ivan", "--name", "Иван Иванов", "--email", "Ivan@devr7.ru", "--password", "secret-pass"])
        == 0
    )
    assert "created" in capsys.readouterr().err
    # The same login again is refused, with a message and a non-zero exit.
    assert main(["create-user", "ivan", "--email", "other@devr7.ru", "--password", "secret-pass"]) == 1
    assert "taken" in capsys.readouterr().err

    async def read() -> tuple[str, str] | None:
        db = Database(f"sqlite+aiosqlite:///{fresh_settings}")
        try:
            async with db.read() as session:
                user = await user_by_login(session, "ivan")
                return (user.name, user.email) if user else None
        finally:
            await db.dispose()

    assert asyncio.run(read()) == ("Иван Иванов", "ivan@devr7.ru")


def test_unknown_command_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "usage: mailgate" in capsys.readouterr().err
