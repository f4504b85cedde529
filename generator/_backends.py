"""The web frameworks a service can be generated for.

A backend is one routing-glue file in the template (`app.py` rendered for
that backend) plus what its tests need; the logic behind the routes is
shared by all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import MljetError


@dataclass(frozen=True)
class Backend:
    name: str
    label: str
    # Test-only distributions (the in-process test client); each entry lists
    # alternatives, the first installed one wins.
    test_requirements: tuple[tuple[str, ...], ...]


BACKENDS: dict[str, Backend] = {
    # Recent Starlette test clients want httpx2, older ones httpx.
    "fastapi": Backend("fastapi", "FastAPI on uvicorn", (("httpx2", "httpx"),)),
}

# Tools the generated project's README tells developers to run.
DEV_TOOLS: tuple[str, ...] = ("pytest", "black", "isort", "ruff", "mypy")


def backend_named(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise MljetError(
            f"Unknown backend '{name}'. Available: {', '.join(sorted(BACKENDS))}."
        ) from None
