"""The operations of mailgate: plain async functions over the tables, no Strawberry here."""
