"""The backend registry: what the CLI, `cook()` and `copier copy` offer."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

from generator._base._errors import MljetError
from generator._rendering._backends import BACKENDS, DEFAULT_BACKEND, backend_named
from templates import copier_questions

REPO = Path(__file__).resolve().parents[1]
COPIER_YML = REPO / "copier.yml"
PACKAGE = REPO / "template" / "src" / "{{package_name}}"


def test_copier_offers_exactly_the_registered_backends_by_their_labels() -> None:
    choices = copier_questions()["backend"]["choices"]
    assert choices == {backend.label: name for name, backend in BACKENDS.items()}
    assert copier_questions()["backend"]["default"] == DEFAULT_BACKEND


def test_each_backend_has_its_glue_in_the_template_and_nothing_else_does() -> None:
    """A backend is its registry entry plus `app.py` and `tests/app_client.py`."""
    condition = re.compile(r"\{% if backend == '(\w+)' %\}")
    for folder, name in (
        (PACKAGE, "app.py"),
        (REPO / "template/tests", "app_client.py"),
    ):
        glue = [p.name for p in folder.iterdir() if name in p.name]
        found = [match.group(1) for g in glue if (match := condition.match(g))]
        assert sorted(found) == sorted(BACKENDS), glue


def test_the_documentation_lists_exactly_the_registered_backends() -> None:
    """The site's backends page is written from the registry at build time."""
    sys.path.insert(0, str(REPO / "scripts"))
    from docs_reference import on_page_markdown

    page = (REPO / "docs" / "how-to" / "backends.md").read_text()
    written = on_page_markdown(page)
    rows = [
        row
        for row in written.splitlines()
        if row.startswith("| `") and "--" not in row[:6]
    ]
    assert [re.findall(r"`(\w+)`", row)[0] for row in rows] == list(BACKENDS)
    for backend in BACKENDS.values():
        assert backend.label in written, backend.label


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(MljetError, match=r"Unknown backend 'django'\. Available: "):
        backend_named("django")


def test_a_backend_whose_server_is_not_installed_says_what_to_install() -> None:
    missing = replace(
        BACKENDS["flask"],
        name="tornado",
        runtime_requirements=("tornado-not-installed", "pytest"),
    )
    with pytest.raises(MljetError) as refused:
        missing.check_installed()
    message = str(refused.value)
    assert "needs tornado-not-installed installed" in message
    assert "pytest" not in message.split("installed")[0]
    assert "pip install 'mljet[tornado]'" in message


def test_a_speedup_this_platform_takes_is_required_and_pinned() -> None:
    """Speed never depends on what happens to be installed: a speedup whose
    marker holds here must be, and every service pins it."""
    slow = replace(
        BACKENDS["fastapi"],
        speedups={"fastloop-not-installed": "", "winloop": "sys_platform == 'win32'"},
    )
    assert slow.speedups_here() == {"fastloop-not-installed": ""}
    with pytest.raises(MljetError, match="needs fastloop-not-installed installed"):
        slow.check_installed()
    assert set(BACKENDS["fastapi"].speedups_here()) == {"uvloop", "httptools"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_registered_backend_is_installed_here(backend: str) -> None:
    BACKENDS[backend].check_installed()


def test_the_design_describes_exactly_the_registered_backends() -> None:
    design = (REPO / "docs/design.md").read_text()
    table = design.split("| backend | server started")[1].split("\n\n")[0]
    described = [row.split("|")[1].strip() for row in table.splitlines()[2:]]
    assert described == [backend.framework for backend in BACKENDS.values()]


def requirement_names(specs: list[str]) -> set[str]:
    return {Requirement(spec).name for spec in specs}


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_is_an_extra_of_mljet_with_its_servers(backend: str) -> None:
    """`pip install 'mljet[NAME]'`, as a missing server's message says."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = set(BACKENDS[backend].runtime_requirements)
    if backend == DEFAULT_BACKEND:
        assert needed <= requirement_names(project["dependencies"])
    else:
        extra = requirement_names(project["optional-dependencies"][backend])
        # The server, and what the service's own tests need to reach it.
        testing = {name for group in BACKENDS[backend].test_requirements
                   for name in group}  # fmt: skip
        assert needed <= extra <= needed | testing
