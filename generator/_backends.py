"""The web frameworks a service can be generated for.

A backend is one routing-glue file in the template (`app.py` rendered for
that backend), its in-process test client (`tests/app_client.py`), and the
distributions those need; the logic behind the routes is shared by all.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

from ._errors import MljetError


@dataclass(frozen=True)
class Backend:
    name: str
    label: str
    # Distributions the service runs on. They must be installed beside the
    # model, because the service pins the versions found there.
    runtime_requirements: tuple[str, ...]
    # Test-only distributions (the in-process test client); each entry lists
    # alternatives, the first installed one wins.
    test_requirements: tuple[tuple[str, ...], ...] = ()

    def check_installed(self) -> None:
        missing = [name for name in self.runtime_requirements if not _installed(name)]
        if missing:
            raise MljetError(
                f"The {self.name} backend needs {' and '.join(missing)} installed "
                "beside the model, so that the service pins the versions you "
                f"tested with. Install them with: pip install 'mljet[{self.name}]'"
            )


BACKENDS: dict[str, Backend] = {
    # Recent Starlette test clients want httpx2, older ones httpx.
    "fastapi": Backend(
        "fastapi",
        "FastAPI on uvicorn",
        ("fastapi", "uvicorn"),
        (("httpx2", "httpx"),),
    ),
    "flask": Backend("flask", "Flask on gunicorn", ("flask", "gunicorn")),
    "sanic": Backend(
        "sanic", "Sanic on its own server", ("sanic",), (("sanic-testing",), ("httpx",))
    ),
    "aiohttp": Backend(
        "aiohttp", "aiohttp on gunicorn's aiohttp worker", ("aiohttp", "gunicorn")
    ),
}

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
