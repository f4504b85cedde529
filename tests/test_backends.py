"""The backend registry: what the CLI, `cook()` and `copier copy` offer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator._answers import RESERVED_NAMES
from generator._backends import BACKENDS, Backend, backend_named
from generator._errors import MljetError

COPIER_YML = Path(__file__).resolve().parents[1] / "copier.yml"


def test_copier_offers_exactly_the_registered_backends() -> None:
    questions = yaml.safe_load(COPIER_YML.read_text())
    assert list(questions["backend"]["choices"].values()) == list(BACKENDS)


def test_copier_refuses_exactly_the_reserved_package_names() -> None:
    validator = yaml.safe_load(COPIER_YML.read_text())["package_name"]["validator"]
    listed = re.search(r"package_name in \[([^\]]*)\]", validator)
    assert listed is not None
    assert set(re.findall(r"'([a-z_]+)'", listed.group(1))) == RESERVED_NAMES


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(MljetError, match=r"Unknown backend 'django'\. Available: "):
        backend_named("django")


def test_a_backend_whose_server_is_not_installed_says_what_to_install() -> None:
    missing = Backend("tornado", "Tornado", ("tornado-not-installed", "pytest"))
    with pytest.raises(MljetError) as refused:
        missing.check_installed()
    message = str(refused.value)
    assert "needs tornado-not-installed installed" in message
    assert "pytest" not in message.split("installed")[0]
    assert "pip install 'mljet[tornado]'" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_registered_backend_is_installed_here(backend: str) -> None:
    BACKENDS[backend].check_installed()
