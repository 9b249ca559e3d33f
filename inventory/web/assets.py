"""Static files (CSS, JavaScript) with fingerprinted addresses: kept by the browser for a year, asked again only
when a new version of the app changes them.

Templates link `static_url('app.css')`, which is `/static/app.css?v=<digest of the file>`. The answer to an
address whose digest is current may be kept a year and never revalidated (`immutable`): a changed file has a
new digest, hence a new address. Any other request (an old or missing digest) is answered with `no-cache`, so
the browser revalidates it; every answer carries the file's ETag and If-None-Match is answered 304. The files
are read once at start-up (they ship with the app); responses are gzip-compressed by the app's compression
middleware when the browser accepts it.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any, NamedTuple

from litestar import Request, Response, get
from litestar.params import FromPath

from inventory.errors import NotFound
from inventory.web.caching import etag_matches

YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
STATIC = Path(__file__).parent / "static"


class Asset(NamedTuple):
    body: bytes
    digest: str
    media_type: str


def load_assets(folder: Path = STATIC) -> dict[str, Asset]:
    """Every file of the static folder (not its subfolders), with its content digest and type."""
    assets = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            body = path.read_bytes()
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            assets[path.name] = Asset(body, hashlib.sha256(body).hexdigest()[:16], media)
    return assets


ASSETS = load_assets()


def static_url(name: str) -> str:
    """The fingerprinted address of a static file, for templates."""
    asset = ASSETS[name]
    return f"/static/{name}?v={asset.digest}"


@get("/static/{name:str}", operation_id="StaticFile", include_in_schema=False, sync_to_thread=False)
def static_file(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFound(message="error.static.unknown", params={"name": name}, field="name")
    current = request.query_params.get("v") == asset.digest
    headers = {"ETag": f'"{asset.digest}"', "Cache-Control": YEAR if current else REVALIDATE}
    if etag_matches(request.headers.get("if-none-match"), asset.digest):
        return Response(b"", status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
