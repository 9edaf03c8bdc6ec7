"""The address book and autocomplete; the identities a user sends as."""

from __future__ import annotations

from typing import Optional

import strawberry

from db.models import ApiPermission
from resolvers import contacts
from resolvers.errors import BadUserInput
from schema.context import Info
from schema.types.people import Contact, ContactInput

READ, CREATE, UPDATE, DELETE = ApiPermission.READ, ApiPermission.CREATE, ApiPermission.UPDATE, ApiPermission.DELETE


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="Autocomplete over the address book: contacts a word of whose name or address starts\n"
        "with each word of `query` (case and accents ignored, Cyrillic included), ranked by how often\n"
        "the user wrote to them, then heard from them, then how recently; saved contacts first.\n"
        "Without a query, the top contacts. `first` is 1..50. (READ)"
    )
    async def contacts(self, info: Info, query: Optional[str] = None, first: Optional[int] = 10) -> list[Contact]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return [Contact.from_record(r) for r in await contacts.search_contacts(session, viewer, query, first)]

    @strawberry.field(description="One contact of the user's. (READ)")
    async def contact(self, info: Info, id: strawberry.ID) -> Contact:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return Contact.from_record(await contacts.get_contact(session, viewer, str(id)))


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(
        description="Save a contact; one collected from mail with the address becomes saved.\n"
        "CONFLICT when a saved contact has the address. (CREATE)"
    )
    async def create_contact(self, info: Info, input: ContactInput) -> Contact:
        viewer = info.context.require(CREATE)
        if not input.address:
            raise BadUserInput("a contact needs an e-mail address", argument="address")
        async with info.context.db.write() as session:
            rec = await contacts.save_contact(
                session, viewer, name=input.name, address=input.address, notes=input.notes
            )
        return Contact.from_record(rec)

    @strawberry.mutation(description="Change a contact; it becomes saved. (UPDATE)")
    async def update_contact(self, info: Info, id: strawberry.ID, input: ContactInput) -> Contact:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            rec = await contacts.update_contact(
                session, viewer, str(id), name=input.name, address=input.address, notes=input.notes
            )
        return Contact.from_record(rec)

    @strawberry.mutation(description="Forget a contact; mail exchanged later collects it again. (DELETE)")
    async def delete_contact(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(DELETE)
        async with info.context.db.write() as session:
            return await contacts.delete_contact(session, viewer, str(id))
