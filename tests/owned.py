"""A generated service as its owner has it: their edits committed, its
answers read back, its own test suite run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import git

# A route the owner adds to the FastAPI glue.
TEAM_ROUTE = """

@app.get("/team")
async def team() -> dict[str, str]:
    return {"team": "fraud"}
"""


# Where each backend's app.py shows its example route, commented out.
EXAMPLE = "# Your routes, for example:\n#\n"


def add_example_route(app: Path) -> None:
    """The example route of `app` (an `app.py`), uncommented: an owner's route."""
    text = app.read_text()
    assert EXAMPLE in text, app
    head, example = text.split(EXAMPLE)
    lines = [line.removeprefix("#").removeprefix(" ") for line in example.splitlines()]
    app.write_text(head + "\n".join(lines) + "\n")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# What the owner adds to their seam module: a helper of their own.
OWN_HELPER = '''

def team() -> str:
    """Who answers for this model."""
    return "fraud"
'''


def commit_owner_edits(project: Path, package: str) -> None:
    """An edit in each of the owner's files: a changed setting, a new route,
    a helper in the seam's module, a README line; committed."""
    edit(project / f"src/{package}/settings.py", '"PORT": 8000', '"PORT": 9000')
    with (project / f"src/{package}/app.py").open("a") as app:
        app.write(TEAM_ROUTE)
    with (project / f"src/{package}/model.py").open("a") as model:
        model.write(OWN_HELPER)
    with (project / "README.md").open("a") as readme:
        readme.write("\nOwned by the fraud team.\n")
    git(project, "commit", "--quiet", "-am", "our changes")


def owner_edits_kept(project: Path, package: str) -> bool:
    return (
        '"PORT": 9000' in (project / f"src/{package}/settings.py").read_text()
        and '@app.get("/team")' in (project / f"src/{package}/app.py").read_text()
        and OWN_HELPER in (project / f"src/{package}/model.py").read_text()
        and "Owned by the fraud team." in (project / "README.md").read_text()
    )


def answers_of(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text()
    )
    return loaded


def run_own_tests(project: Path) -> subprocess.CompletedProcess[str]:
    """The service's own test suite, as its README runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
