"""The web frameworks a service can be generated for: one entry each.

A backend is this entry plus its glue in the template: `app.py` (routes
mapped onto the shared service core, and the production server's start)
and `tests/app_client.py` (the in-process test client), both rendered
only for that backend. Everything else the generator, the template, the
docs and the tests need to know about a backend is declared here and
reaches the template as the `backend_facts` answer.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._base._errors import MljetError

# uvloop has no Windows build; the service runs without it there.
NOT_ON_WINDOWS = "sys_platform != 'win32'"


@dataclass(frozen=True)
class Backend:
    """One web framework and the production server that runs it."""

    name: str
    label: str
    framework: str
    # The server `python -m PACKAGE` starts; "gunicorn" or "uvicorn" also
    # renders the shared `gunicorn_server.py` or `uvicorn_server.py`.
    server: str
    server_label: str
    # What one of the WORKERS is, as the service's README says it.
    workers: str
    # The server's own command line, for the README; {package} is filled in.
    command: str
    # Distributions the service runs on. They must be installed beside the
    # model, because the service pins the versions found there.
    runtime_requirements: tuple[str, ...]
    # Test-only distributions (the in-process test client); each entry lists
    # alternatives, the first installed one wins.
    test_requirements: tuple[tuple[str, ...], ...] = ()
    # Modules the backend's glue imports that ship no type information.
    untyped_modules: tuple[str, ...] = ()
    # Distributions the server runs faster with, each with the environment
    # marker of the platforms it installs on ("" for all). Pinned when they
    # are installed beside the model; the server works without them.
    speedups: Mapping[str, str] = field(default_factory=dict)
    # A WSGI framework, served on an asyncio server through the shared
    # `wsgi.py` bridge (each request read whole before a thread answers it).
    wsgi: bool = False
    # How an owner adds a route to app.py, for the README (and a test that
    # adds it); every backend but FastAPI also documents it with the core's
    # `document_routes` (OWN_ROUTE_DOCUMENTED).
    own_route: str = ""
    documents_own_routes: bool = False

    @property
    def own_route_code(self) -> str:
        """All the code an owner adds to app.py for their route."""
        if self.documents_own_routes:
            return self.own_route
        return f"{self.own_route}\n\n{OWN_ROUTE_DOCUMENTED}"

    def check_installed(self) -> None:
        missing = [name for name in self.runtime_requirements if not _installed(name)]
        if missing:
            raise MljetError(
                f"The {self.name} backend needs {' and '.join(missing)} installed "
                "beside the model, so that the service pins the versions you "
                f"tested with. Install them with: pip install 'mljet[{self.name}]'"
            )

    def installed_speedups(self) -> dict[str, str]:
        """The speedups installed here, so pinned, each with its marker."""
        return {
            name: marker for name, marker in self.speedups.items() if _installed(name)
        }

    def facts(self, package: str) -> dict[str, Any]:
        """What the template says about this backend: the `backend_facts` answer."""
        return {
            "label": self.label,
            "framework": self.framework,
            "server": self.server,
            "server_label": self.server_label,
            "workers": self.workers,
            "command": self.command.format(package=package),
            "wsgi": self.wsgi,
            "own_route": self.own_route_code,
            "documents_own_routes": self.documents_own_routes,
        }


# What a route looks like in the OpenAPI document, given to the service.
OWN_ROUTE_DOCUMENTED = """service.document_routes(
    {
        "/team": {
            "get": {
                "summary": "Who runs this service",
                "responses": {"200": {"description": "The team"}},
            }
        }
    }
)"""

BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            name="fastapi",
            label="FastAPI on uvicorn",
            framework="FastAPI",
            server="uvicorn",
            server_label="uvicorn",
            workers="uvicorn worker processes",
            command="uvicorn {package}.app:app --host 0.0.0.0 --port 8000 --workers 2",
            runtime_requirements=("fastapi", "uvicorn"),
            # uvicorn picks them up itself: an event loop and an HTTP parser
            # in C, several times faster than asyncio's and h11.
            speedups={"uvloop": NOT_ON_WINDOWS, "httptools": ""},
            # Recent Starlette test clients want httpx2, older ones httpx.
            test_requirements=(("httpx2", "httpx"),),
            own_route="""@app.get("/team", summary="Who runs this service")
def team() -> dict[str, str]:
    return {"team": "fraud"}""",
            documents_own_routes=True,
        ),
        Backend(
            name="flask",
            label="Flask on uvicorn",
            framework="Flask",
            server="uvicorn",
            server_label="uvicorn",
            workers="uvicorn worker processes (64 threads each)",
            command="uvicorn {package}.app:create_asgi_app --factory "
            "--host 0.0.0.0 --port 8000 --workers 2",
            runtime_requirements=("flask", "uvicorn"),
            speedups={"uvloop": NOT_ON_WINDOWS, "httptools": ""},
            wsgi=True,
            own_route="""@own.get("/team")
def team() -> dict[str, str]:
    return {"team": "fraud"}""",
        ),
        Backend(
            name="sanic",
            label="Sanic on its own server",
            framework="Sanic",
            server="sanic",
            server_label="Sanic's own server",
            workers="Sanic worker processes (one: no process manager)",
            command="sanic {package}.app:create_app --factory --host 0.0.0.0 "
            "--port 8000 --workers 2",
            runtime_requirements=("sanic",),
            test_requirements=(("sanic-testing",), ("httpx",)),
            own_route="""@own.get("/team")
async def team(request: Request) -> HTTPResponse:
    return HTTPResponse(b'{"team": "fraud"}', content_type="application/json")""",
        ),
        Backend(
            name="aiohttp",
            label="aiohttp on gunicorn's aiohttp worker",
            framework="aiohttp",
            server="gunicorn",
            server_label="gunicorn with aiohttp's worker",
            workers="gunicorn worker processes",
            command="gunicorn --worker-class aiohttp.GunicornWebWorker --workers 2 "
            "--bind 0.0.0.0:8000 '{package}.app:create_app()'",
            runtime_requirements=("aiohttp", "gunicorn"),
            untyped_modules=("gunicorn.*",),
            # The glue picks aiohttp's uvloop worker when uvloop is there.
            speedups={"uvloop": NOT_ON_WINDOWS},
            own_route="""@own.get("/team")
async def team(request: web.Request) -> web.Response:
    return web.json_response({"team": "fraud"})""",
        ),
    )
}
DEFAULT_BACKEND = "fastapi"

# Tools the generated project's README tells developers to run.
DEV_TOOLS: tuple[str, ...] = ("pytest", "black", "isort", "ruff", "mypy")


def backend_named(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise MljetError(
            f"Unknown backend '{name}'. Available: {', '.join(BACKENDS)}."
        ) from None


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
