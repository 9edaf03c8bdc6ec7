"""A folder's conversation page is an index scan in (folder, latest, id) order, no sort,
on SQLite and PostgreSQL: the cost of a page does not grow with the folder."""

from __future__ import annotations

from sqlalchemy import text

from db.engine import Database
from resolvers.conversations import listing_statement
from tests.utils.factories import deliver, folder_id, make_user


async def test_the_folder_listing_reads_its_index_in_order(db: Database) -> None:
    user = await make_user(db, "user_test")
    for i in range(30):
        await deliver(db, user, subject=f"Тема {i}")
    inbox = await folder_id(db, user, "INBOX")
    for folder in (inbox, None):
        statement = listing_statement(user.id, folder, None, None, 50)
        async with db.read() as session:
            conn = await session.connection()
            compiled = statement.compile(dialect=conn.dialect)
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            if db.is_sqlite:
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
                plan = "\n".join(str(r[-1]) for r in rows)
            else:
                # As on a large mailbox: with no sort, the index must give the order by itself.
                for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                    await session.execute(text(f"SET {setting} = off"))
                plan = "\n".join(str(r[0]) for r in await conn.exec_driver_sql(f"EXPLAIN {compiled}", params))
        wanted = "ix_conversation_folders_listing" if folder else "ix_conversations_owner_date"
        assert wanted in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
