"""Identities: the addresses a user sends as, with reply-to, bcc and signatures.

The server allows a user to send as their own address and its plus-aliases
(``login+anything@domain``). ``apply_identity`` is the one place a send or a
draft takes an identity: From, Reply-To (when none is given), Bcc added, and
the signature put in once. "Once" is checked against the body itself: a body
that already carries the identity's signature block (a draft saved with it, a
client that put it in) does not get it again, and a signature in quoted text
("> " lines of a reply or forward) is the quoted mail's, not this one's; the
new signature goes above the quote.

Which identity: the one named; else, for a draft, the one whose address the
draft is from; else the user's default; else none (the user's own address).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Identity, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, not_found, parse_id
from resolvers.formats.html import html_to_text, sanitize_html
from resolvers.mailstore import Address
from resolvers.records import MessageRecord, UserRecord
from resolvers.viewer import Viewer

I = table_of(Identity)  # noqa: E741
SEPARATOR = "-- "  # RFC 3676: the line that starts a signature
MAX_IDENTITIES = 50


@dataclass(slots=True)
class IdentityRecord:
    id: int
    name: str
    address: str
    reply_to: str | None
    bcc: str | None
    text_signature: str
    html_signature: str
    is_default: bool

    @classmethod
    def of(cls, row: Any) -> IdentityRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            address=row["address"],
            reply_to=row["reply_to"],
            bcc=row["bcc"],
            text_signature=row["text_signature"],
            html_signature=row["html_signature"],
            is_default=row["is_default"],
        )


def allowed_address(user_email: str, address: str) -> bool:
    """The user's own address, or a plus-alias of it."""
    own_local, _, own_domain = user_email.lower().partition("@")
    local, _, domain = address.strip().lower().partition("@")
    return domain == own_domain and (local == own_local or local.startswith(own_local + "+"))


async def list_identities(session: AsyncSession, viewer: Viewer) -> list[IdentityRecord]:
    """The viewer's identities, the default first."""
    rows = await session.execute(
        select(I).where(I.c.owner_id == viewer.user_id).order_by(I.c.is_default.desc(), I.c.id)
    )
    return [IdentityRecord.of(r) for r in rows.mappings()]


async def get_identity(session: AsyncSession, viewer: Viewer, identity_id: str | int) -> IdentityRecord:
    """The viewer's identity; NOT_FOUND for a missing id and for someone else's."""
    iid = parse_id(identity_id, "Identity")
    row = (await session.execute(select(I).where(I.c.id == iid, I.c.owner_id == viewer.user_id))).mappings().first()
    if row is None:
        raise not_found("Identity", identity_id)
    return IdentityRecord.of(row)


@dataclass(slots=True)
class IdentityFields:
    """What createIdentity and updateIdentity may set; None means 'not given'."""

    name: str | None = None
    address: str | None = None
    reply_to: str | None = None
    bcc: str | None = None
    text_signature: str | None = None
    html_signature: str | None = None
    is_default: bool | None = None


def _checked(user: UserRecord, f: IdentityFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if f.address is not None:
        if not allowed_address(user.email, f.address):
            raise BadUserInput(
                f"{f.address} is not an address you may send as (yours: {user.email} or its +aliases)",
                argument="address",
            )
        values["address"] = f.address.strip().lower()
    for key in ("reply_to", "bcc"):
        value = getattr(f, key)
        if value is not None:
            if value.strip() and ("@" not in value or any(c.isspace() for c in value.strip())):
                raise BadUserInput(f"{value!r} is not an e-mail address", argument=key)
            values[key] = value.strip() or None
    if f.name is not None:
        values["name"] = f.name.strip()[:512]
    if f.text_signature is not None:
        values["text_signature"] = f.text_signature.strip("\n")
    if f.html_signature is not None:
        values["html_signature"] = sanitize_html(f.html_signature) if f.html_signature.strip() else ""
    if f.is_default is not None:
        values["is_default"] = f.is_default
    return values


async def _only_default(session: AsyncSession, owner_id: int, identity_id: int) -> None:
    await session.execute(
        update(I)
        .where(I.c.owner_id == owner_id, I.c.id != identity_id, I.c.is_default.is_(True))
        .values(is_default=False)
    )


async def create_identity(session: AsyncSession, viewer: Viewer, user: UserRecord, f: IdentityFields) -> IdentityRecord:
    """A new identity; the user's first one is their default."""
    if f.address is None:
        raise BadUserInput("an identity needs an address", argument="address")
    values = _checked(user, f)
    count = (await session.execute(select(func.count()).where(I.c.owner_id == viewer.user_id))).scalar_one()
    if count >= MAX_IDENTITIES:
        raise BadUserInput(f"a user has at most {MAX_IDENTITIES} identities")
    values.setdefault("name", user.name)
    values["is_default"] = bool(values.get("is_default")) or count == 0
    iid = (
        await session.execute(
            I.insert()
            .values(
                owner_id=viewer.user_id,
                text_signature=values.pop("text_signature", ""),
                html_signature=values.pop("html_signature", ""),
                created_at=utcnow(),
                **values,
            )
            .returning(I.c.id)
        )
    ).scalar_one()
    if values["is_default"]:
        await _only_default(session, viewer.user_id, iid)
    return await get_identity(session, viewer, iid)


async def update_identity(
    session: AsyncSession, viewer: Viewer, user: UserRecord, identity_id: str | int, f: IdentityFields
) -> IdentityRecord:
    """Change the fields given; making one the default makes the others not."""
    current = await get_identity(session, viewer, identity_id)
    values = _checked(user, f)
    if values.get("is_default") is False and current.is_default:
        raise BadUserInput("make another identity the default instead", argument="isDefault")
    if values:
        await session.execute(update(I).where(I.c.id == current.id).values(values))
    if values.get("is_default"):
        await _only_default(session, viewer.user_id, current.id)
    return await get_identity(session, viewer, current.id)


async def delete_identity(session: AsyncSession, viewer: Viewer, identity_id: str | int) -> bool:
    """Remove an identity; when it was the default, the oldest other one becomes the default."""
    current = await get_identity(session, viewer, identity_id)
    await session.execute(I.delete().where(I.c.id == current.id))
    if current.is_default:
        heir = (
            await session.execute(select(I.c.id).where(I.c.owner_id == viewer.user_id).order_by(I.c.id).limit(1))
        ).scalar()
        if heir is not None:
            await session.execute(update(I).where(I.c.id == heir).values(is_default=True))
    return True


# ---------------------------------------------------------------------------
# Applying an identity to a message being composed
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Applied:
    """From, Reply-To, Bcc and bodies of a composed message once its identity is applied."""

    sender: Address
    reply_to: list[Address]
    bcc: list[Address]
    body: str
    html_body: str | None


def _split_quote(text: str) -> tuple[str, str]:
    """(own text, quoted part): the quote starts at the first "> " line (with its "… wrote:" line)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(">"):
            start = i - 1 if i > 0 and lines[i - 1].rstrip().endswith(":") else i
            return "\n".join(lines[:start]).rstrip("\n"), "\n".join(lines[start:])
    return text.rstrip("\n"), ""


def sign_text(body: str, signature: str) -> str:
    """``body`` with the signature block once, above any quoted part."""
    if not signature.strip():
        return body
    block = f"{SEPARATOR}\n{signature}"
    own, quote = _split_quote(body)
    if block in own:
        return body
    signed = f"{own}\n\n{block}" if own.strip() else block
    return f"{signed}\n\n{quote}" if quote else signed


def sign_html(html: str, signature_html: str) -> str:
    """``html`` with the signature once, before the first blockquote (the quoted mail)."""
    if not signature_html.strip():
        return html
    own, _, _ = html.partition("<blockquote")
    if signature_html in own:
        return html
    block = f"<div>{SEPARATOR}<br>{signature_html}</div>"
    at = html.find("<blockquote")
    return html + block if at < 0 else html[:at] + block + html[at:]


async def choose_identity(
    session: AsyncSession, viewer: Viewer, identity_id: str | None, draft: MessageRecord | None
) -> IdentityRecord | None:
    """The identity a send or draft uses (see the module)."""
    if identity_id is not None:
        return await get_identity(session, viewer, identity_id)
    mine = await list_identities(session, viewer)
    if draft is not None:
        same = [i for i in mine if i.address == draft.from_address.lower()]
        if same:
            return same[0]
    return next((i for i in mine if i.is_default), None)


async def apply_identity(
    session: AsyncSession,
    viewer: Viewer,
    me: UserRecord,
    identity_id: str | None,
    draft: MessageRecord | None,
    *,
    body: str,
    html_body: str | None,
    reply_to: list[Address],
    bcc: list[Address],
) -> Applied:
    """From, Reply-To, Bcc and signed bodies for a message being sent or saved as a draft."""
    identity = await choose_identity(session, viewer, identity_id, draft)
    if identity is None:
        return Applied(Address(me.email, me.name), reply_to, bcc, body, html_body)
    text_sig = identity.text_signature or (
        html_to_text(identity.html_signature).strip() if identity.html_signature else ""
    )
    html_sig = identity.html_signature or html_lib.escape(identity.text_signature).replace("\n", "<br>")
    extra_bcc = (
        [Address(identity.bcc)] if identity.bcc and all(a.address.lower() != identity.bcc.lower() for a in bcc) else []
    )
    return Applied(
        sender=Address(identity.address, identity.name or me.name),
        reply_to=reply_to or ([Address(identity.reply_to)] if identity.reply_to else []),
        bcc=bcc + extra_bcc,
        body=sign_text(body, text_sig),
        html_body=sign_html(html_body, html_sig) if html_body else None,
    )
