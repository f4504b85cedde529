# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The headers every page and asset a browser loads is sent with.

A page runs its own scripts and styles only: those it loads from the
service, and its inline ones, named by their SHA-256 digest in its
Content-Security-Policy (so an injected one would not run even if escaping
failed). It calls the service only, is framed by no other site, sends no
Referer, and nothing it loads is sniffed for another type than declared.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import jinja2

from .routes import HTML, Reply

# The pages' templates (`templates/`): Jinja escapes every value put in them.
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# The inline scripts (not data blocks such as application/json, which never
# run) and styles of a page.
_INLINE = re.compile(
    rb"<(script|style)(?![^>]*\btype=\"application/json\")[^>]*>(.*?)</\1>",
    re.DOTALL,
)
ASSET_HEADERS = {"X-Content-Type-Options": "nosniff"}
# The pages' icon: a bar chart, the model page's own colours.
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#1f5fb8"/>'
    b'<rect x="3" y="8" width="2.5" height="5" fill="#fff"/>'
    b'<rect x="6.75" y="5" width="2.5" height="8" fill="#fff"/>'
    b'<rect x="10.5" y="3" width="2.5" height="10" fill="#fff"/></svg>'
)


def page_reply(page: bytes, style_attributes: bool = False) -> Reply:
    """`page` (HTML) with the headers that keep it to itself.

    `style_attributes`: a page written elsewhere (a library's report) may
    style its elements inline, which no digest can name: its styles are
    then allowed as written (a style runs no code).
    """
    digests: dict[bytes, list[str]] = {b"script": [], b"style": []}
    for kind, content in _INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        digests[kind].append(f"'sha256-{digest}'")
    policy = "; ".join(
        [
            "default-src 'none'",
            " ".join(["script-src 'self'", *digests[b"script"]]),
            (
                "style-src 'self' 'unsafe-inline'"
                if style_attributes
                else " ".join(["style-src 'self'", *digests[b"style"]])
            ),
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )
    headers = {
        **ASSET_HEADERS,
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
    }
    return Reply(200, page, HTML, headers)


def favicon() -> Reply:
    """`/favicon.ico`, which browsers ask for on every page: an SVG icon."""
    return Reply(
        200,
        FAVICON,
        "image/svg+xml",
        {**ASSET_HEADERS, "Cache-Control": "max-age=86400"},
    )
