"""`mailgate import-mbox --folder NAME`: any script, any case, and a wrong name said before any progress bar."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from sqlalchemy import select

from db.models import Folder, table_of
from resolvers.users import user_by_login
from tests.app.test_cli_mail import _command, _env, _prepare
from tests.utils import mailbox_files as mf
from tests.utils.factories import make_folder


def mbox(*numbers: int) -> bytes:
    return b"".join(mf.mbox_of([mf.koi8r_message(n) for n in numbers]))


async def run(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [*_command(), "import-mbox", *args],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_cyrillic_folder_name_is_found_in_any_case_on_sqlite(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    async with db.read() as session:
        user = await user_by_login(session, "user_test")
    assert user is not None
    projects = await make_folder(db, user, "Проекты")
    path = tmp_path / "mail.mbox"
    path.write_bytes(mbox(1, 2))

    done = await run(url, tmp_path, str(path), "--user", "user_test", "--folder", "Проекты")
    assert done.returncode == 0, done.stderr
    assert "2 messages imported" in done.stderr
    again = await run(url, tmp_path, str(path), "--user", "user_test", "--folder", "проекты")
    assert again.returncode == 0, again.stderr
    assert "0 messages imported, 2 skipped" in again.stderr

    async with db.read() as session:
        f = table_of(Folder)
        total = (await session.execute(select(f.c.total_count).where(f.c.id == projects))).scalar_one()
    assert total == 2
    await db.dispose()


async def test_an_unknown_folder_is_said_before_any_progress_bar(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    path = tmp_path / "mail.mbox"
    path.write_bytes(mbox(1))
    done = await run(url, tmp_path, str(path), "--user", "user_test", "--folder", "Нет такой")
    assert done.returncode == 1
    assert "Нет такой was not found" in done.stderr
    assert "Importing" not in done.stderr and "imported" not in done.stderr
    await db.dispose()
