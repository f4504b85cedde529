# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Swagger UI, served from the installed `swagger_ui_bundle` so it works offline."""

from __future__ import annotations

import html
import string
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

from .routes import Reply

# The bundled Swagger UI reads OpenAPI 3.0: it is given the service's 3.1
# document rendered in 3.0 (`openapi.for_swagger_ui`), at /docs/openapi.json.
# The page names its assets relative to itself, so that it also works
# behind a proxy that adds a path prefix (ROOT_PATH).
SWAGGER_UI_DOCUMENT = "openapi.json"
ASSET_TYPES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "application/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}

PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>$title - API docs</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "docs/$document",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      validatorUrl: null
    });
  </script>
</body>
</html>
""")


def docs_page(title: str) -> bytes:
    return PAGE.substitute(
        title=html.escape(title), document=SWAGGER_UI_DOCUMENT
    ).encode()


def docs_asset(name: str) -> tuple[bytes, str] | None:
    """An asset's bytes and content type, or None for names not served."""
    content_type = ASSET_TYPES.get(name)
    if content_type is None:
        return None
    return Path(str(swagger_ui_path), name).read_bytes(), content_type


def docs_moved() -> Reply:
    """`/docs/`, as people type it: sent to `/docs`, the one page. Relative,
    so that it holds behind a proxy's path prefix (ROOT_PATH)."""
    return Reply(308, b"", "text/plain", {"Location": "../docs"})
