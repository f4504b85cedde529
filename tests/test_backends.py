"""The backend registry: what the CLI, `cook()` and `copier copy` offer."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from generator._backends import BACKENDS, backend_named
from generator._errors import MljetError

REPO = Path(__file__).resolve().parents[1]
COPIER_YML = REPO / "copier.yml"
PACKAGE = REPO / "template" / "src" / "{{package_name}}"


def test_copier_offers_exactly_the_registered_backends() -> None:
    questions = yaml.safe_load(COPIER_YML.read_text())
    assert list(questions["backend"]["choices"].values()) == list(BACKENDS)


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


def test_the_readme_lists_exactly_the_registered_backends() -> None:
    readme = (REPO / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `--backend"))
    named = re.findall(r"`(\w+)` \(", row)
    assert named == list(BACKENDS)
    for backend in BACKENDS.values():
        assert backend.label in readme, backend.label


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


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_registered_backend_is_installed_here(backend: str) -> None:
    BACKENDS[backend].check_installed()
