"""Demo data: the two users of the R7 example and a few hundred messages of theirs.

Everything is deterministic (a seeded random generator; dates count back from
now) and every message goes through ``resolvers.mailstore.store_message``, so
counters, the search index and the change log hold exactly as they would for
real mail. Each message keeps an RFC 5322 source built with ``resolvers.formats.mime``.
"""

from app.demo.loader import load_demo_data

__all__ = ["load_demo_data"]
