"""Pure format helpers the operations use: MIME build and parse, mbox reading, HTML
sanitizing, calendar invites, addresses, XLSX/CSV, PDF and the SMTP relay client.

A leaf of resolvers: imports nothing of mailgate's but db and never touches a session
(the import contract in pyproject.toml checks it). Reads that need the database live in
resolvers proper, e.g. resolvers/envelopes.py.
"""
