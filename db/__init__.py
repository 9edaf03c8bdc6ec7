"""Tables, engine and sessions, migrations and demo data of mailgate."""
