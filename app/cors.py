"""Cross-origin calls from web apps: Starlette's CORS middleware over the whole app.

Only the exact origins of ``MAILGATE_CORS_ORIGINS`` are allowed (none by default, so a
page elsewhere cannot read answers). Credentials (cookies) are off: the API is signed in
with ``Authorization: Bearer``, which a page sets itself. A preflight answer is cached by
the browser for ``MAILGATE_CORS_MAX_AGE`` seconds, so a page pays for one OPTIONS per
``max_age``, not one per request.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

from app.settings import Settings

#: Request headers a page may send: sign-in, JSON, the request id, Apollo's client identification.
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
)


def add_cors(app: Starlette, settings: Settings) -> None:
    """Answer preflights and add Access-Control-* headers for the configured origins (outermost layer)."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=list(ALLOWED_HEADERS),
        allow_credentials=False,
        expose_headers=["x-request-id"],
        max_age=settings.cors_max_age,
    )
