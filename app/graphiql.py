"""GraphiQL served by mailgate itself: the page and its pinned assets, nothing from another host.

The assets in app/static/graphiql are the npm registry's minified builds of GraphiQL,
React, ReactDOM and the explorer plugin, copied with their licences by
web/graphiql/build.mjs from its lock file; assets.json gives each one's version (for
cache-busting URLs) and SRI hash. The page carries a Content-Security-Policy that lets
the browser load and connect to this origin only, so it works on a closed network and
cannot leak to a CDN. Its sign-in form calls ``login`` and sends the token with each
operation and in the subscription socket's connection_init.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

GRAPHIQL_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"
#: This origin only: scripts and styles from here (inline ones are the page's own), sockets to here.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PLACEHOLDER = re.compile(r"\{\{([\w.-]+)(\|integrity)?\}\}")


@lru_cache(maxsize=1)
def page_html() -> str:
    """The page with each asset's URL (versioned) and SRI hash filled in."""
    manifest = json.loads((GRAPHIQL_DIR / "assets.json").read_text())
    template = (GRAPHIQL_DIR / "page.html").read_text()

    def fill(match: re.Match[str]) -> str:
        asset = manifest[match.group(1)]
        if match.group(2):
            return str(asset["integrity"])
        return f"{ASSETS_PATH}/{match.group(1)}?v={asset['version']}"

    return _PLACEHOLDER.sub(fill, template)


def graphiql_response() -> HTMLResponse:
    """GET /graphql from a browser."""
    return HTMLResponse(page_html(), headers={"content-security-policy": CSP, "cache-control": "no-cache"})


def graphiql_assets() -> Mount:
    """The route of the page's assets."""
    return Mount(ASSETS_PATH, app=StaticFiles(directory=GRAPHIQL_DIR), name="graphiql-assets")
