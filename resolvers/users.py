"""Users: creating one with its system folders, and looking users up."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Folder, User, table_of
from db.models.mailbox import SYSTEM_FOLDERS
from db.types import utcnow
from resolvers.errors import BadUserInput, Conflict, header_text
from resolvers.records import UserRecord

password_hasher = PasswordHasher()


async def create_user(session: AsyncSession, *, login: str, name: str, email: str, password: str) -> UserRecord:
    """A new user with every system folder; CONFLICT when the login or email is taken."""
    login, email = login.strip(), email.strip().lower()
    if not login or not email or "@" not in email:
        raise BadUserInput("a user needs a login and an email address")
    if len(password) < 8:
        raise BadUserInput("a password needs at least 8 characters")
    name = header_text(name, "name")  # it becomes the display name of the user's From header
    users = table_of(User)
    taken = (
        await session.execute(
            select(users.c.id).where(or_(func.lower(users.c.login) == login.lower(), users.c.email == email))
        )
    ).first()
    if taken:
        raise Conflict(f"the login {login} or the address {email} is taken")
    user_id = int(
        (
            await session.execute(
                insert(users)
                .values(
                    login=login,
                    name=name.strip() or login,
                    email=email,
                    password_hash=password_hasher.hash(password),
                    modseq=0,
                    created_at=utcnow(),
                )
                .returning(users.c.id)
            )
        ).scalar_one()
    )
    await session.execute(
        insert(table_of(Folder)),
        [
            {
                "owner_id": user_id,
                "name": folder_name,
                "role": str(role),
                "sort_order": index,
                "total_count": 0,
                "unread_count": 0,
                "created_at": utcnow(),
            }
            for index, (role, folder_name) in enumerate(SYSTEM_FOLDERS)
        ],
    )
    return UserRecord(id=user_id, login=login, name=name.strip() or login, email=email)


async def users_by_email(session: AsyncSession, emails: list[str]) -> dict[str, UserRecord]:
    """Local users among ``emails``, keyed by their lowercased address."""
    users = table_of(User)
    wanted = sorted({e.strip().lower() for e in emails if e})
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(users.c.id, users.c.login, users.c.name, users.c.email).where(users.c.email.in_(wanted))
        )
    ).mappings()
    return {row["email"]: UserRecord.from_row(row) for row in rows}


async def user_by_login(session: AsyncSession, login: str) -> UserRecord | None:
    users = table_of(User)
    row = (
        (
            await session.execute(
                select(users.c.id, users.c.login, users.c.name, users.c.email).where(
                    func.lower(users.c.login) == login.strip().lower()
                )
            )
        )
        .mappings()
        .first()
    )
    return UserRecord.from_row(row) if row else None
