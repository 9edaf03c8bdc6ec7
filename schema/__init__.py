"""Strawberry only: the GraphQL types, inputs, enums and root operations of mailgate."""
