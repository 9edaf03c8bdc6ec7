"""Mail helpers for resolvers: MIME build and parse, relaying, mbox reading, HTML sanitizing.

Imports nothing of mailgate's but db.
"""
