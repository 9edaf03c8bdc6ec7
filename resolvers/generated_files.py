"""Files kept for a while for one user: import error reports, uploads of background imports.

Each is a row of ``generated_files`` with its bytes, served by a signed link
(``/files/generated/{id}``) until it expires; expired rows are removed whenever a
new file is stored. Exports, templates, reports and printouts are not stored:
their links carry what to generate, and the bytes are made when they are fetched.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import table_of
from db.models.generated import GeneratedFile
from db.types import utcnow
from resolvers.links import LinkError, LinkSigner, SignedLink

G = table_of(GeneratedFile)

ERROR_REPORT = "error-report"
UPLOAD = "upload"


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: str
    owner_id: int
    kind: str
    file_name: str
    mime_type: str
    size: int
    expires_at: datetime


async def store_file(
    session: AsyncSession, owner_id: int, kind: str, file_name: str, mime_type: str, data: bytes, ttl: int
) -> StoredFile:
    """Keep ``data`` for ``ttl`` seconds; removes files that have expired meanwhile."""
    now = utcnow()
    await session.execute(delete(G).where(G.c.expires_at < now))
    record = StoredFile(
        id=uuid.uuid4().hex,
        owner_id=owner_id,
        kind=kind,
        file_name=file_name,
        mime_type=mime_type,
        size=len(data),
        expires_at=now + timedelta(seconds=ttl),
    )
    await session.execute(
        insert(G).values(
            id=record.id,
            owner_id=owner_id,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            size=len(data),
            data=data,
            created_at=now,
            expires_at=record.expires_at,
        )
    )
    return record


async def read_file(session: AsyncSession, file_id: str, kind: str | None = None) -> tuple[StoredFile, bytes] | None:
    """The file and its bytes, unless it does not exist or has expired."""
    statement = select(G).where(G.c.id == file_id, G.c.expires_at >= utcnow())
    if kind is not None:
        statement = statement.where(G.c.kind == kind)
    row = (await session.execute(statement)).mappings().first()
    if row is None:
        return None
    record = StoredFile(
        id=row["id"],
        owner_id=row["owner_id"],
        kind=row["kind"],
        file_name=row["file_name"],
        mime_type=row["mime_type"],
        size=row["size"],
        expires_at=row["expires_at"],
    )
    return record, bytes(row["data"])


async def remove_file(session: AsyncSession, file_id: str) -> None:
    await session.execute(delete(G).where(G.c.id == file_id))


# ---------------------------------------------------------------------------
# Links: /files/{kind}/{name}?exp=..&sig=..&v=<viewer>&p=<parameters>
# ---------------------------------------------------------------------------
# A signed link carries no Authorization header, so it names whose data it shows
# (v) and what to generate (p); the signature covers kind, name, v and p.


@dataclass(frozen=True, slots=True)
class LinkTarget:
    viewer_id: int
    name: str
    params: dict[str, Any]


def _canonical(name: str, viewer_id: int, packed: str) -> str:
    return f"{name}\n{viewer_id}\n{packed}"


def _pack(params: Mapping[str, Any]) -> str:
    raw = json.dumps(params, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(packed: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise LinkError("this link is not valid", 403) from exc
    if not isinstance(value, dict):
        raise LinkError("this link is not valid", 403)
    return value


def sign_file(
    links: LinkSigner, kind: str, name: str, viewer_id: int, params: Mapping[str, Any] | None = None
) -> SignedLink:
    """A link to ``/files/{kind}/{name}`` for ``viewer_id``'s data, generated with ``params``."""
    packed = _pack(params or {})
    signed = links.sign(kind, _canonical(name, viewer_id, packed))
    query = parse_qs(urlsplit(signed.url).query)
    url = (
        f"{links.base_url}/files/{kind}/{quote(name, safe='')}"
        f"?exp={query['exp'][0]}&sig={query['sig'][0]}&v={viewer_id}&p={packed}"
    )
    return SignedLink(url=url, expires_at=signed.expires_at)


def verify_file(links: LinkSigner, kind: str, name: str, query: Mapping[str, str]) -> LinkTarget:
    """What a link made by ``sign_file`` names; LinkError (403/410) unless genuine and unexpired."""
    viewer, packed = query.get("v") or "", query.get("p") or ""
    if not (viewer.isascii() and viewer.isdigit()) or len(viewer) > 18:
        raise LinkError("this link is not signed", 403)
    links.verify(kind, _canonical(name, int(viewer), packed), query.get("exp"), query.get("sig"))
    return LinkTarget(viewer_id=int(viewer), name=name, params=_unpack(packed))
