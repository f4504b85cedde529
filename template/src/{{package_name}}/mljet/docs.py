# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Swagger UI (5, which reads the service's OpenAPI 3.1 document as it is),
served from the installed `flask-swagger-ui` distribution so it works offline.

The distribution's files are read, never imported: its Python module imports
a web framework this service may not serve with.
"""

from __future__ import annotations

import html
import importlib.util
import string
from pathlib import Path

from .routes import Reply

# The distribution that ships Swagger UI's files, and their folder in it. The
# generator pins it without its dependencies (a `*_DISTRIBUTION` constant):
# its files are read, its code never runs.
SWAGGER_UI_DISTRIBUTION = "flask-swagger-ui"
SWAGGER_UI_FILES = ("flask_swagger_ui", "dist")
# The page names its assets and the document relative to itself, so that it
# also works behind a proxy that adds a path prefix (ROOT_PATH); the document
# is also served beside the assets, where earlier releases served it. The
# page shows this service's document alone: Swagger UI's base layout, without
# the top bar that loads any URL (and whose logo's inline style the page's
# Content-Security-Policy refuses).
SWAGGER_UI_DOCUMENT = "openapi.json"
ASSET_TYPES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
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
  <script>
    window.ui = SwaggerUIBundle({
      url: "$document",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
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
    return (swagger_ui_files() / name).read_bytes(), content_type


def swagger_ui_files() -> Path:
    """The folder of Swagger UI's files in its installed distribution."""
    package, folder = SWAGGER_UI_FILES
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"Swagger UI's files are missing: install {SWAGGER_UI_DISTRIBUTION} "
            "(requirements.txt pins it)"
        )
    return Path(next(iter(spec.submodule_search_locations)), folder)


def docs_moved() -> Reply:
    """`/docs/`, as people type it: sent to `/docs`, the one page. Relative,
    so that it holds behind a proxy's path prefix (ROOT_PATH)."""
    return Reply(308, b"", "text/plain", {"Location": "../docs"})
