"""The answers (`generator/_rendering/_answers.py`): named and assembled in one place,
plain data a YAML answers file holds, read back with a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from generator._base._errors import MljetError
from generator._rendering._answers import (
    installed_versions,
    json_native,
    pinned_answers,
    recorded_answers,
)
from generator._rendering._backends import BACKENDS
from generator._rendering._requirements import PinnedRequirements


def test_numpy_values_become_plain_ones_that_yaml_reads_back() -> None:
    answers = json_native(
        {"classes": [*np.array(["bird", "cat"]), np.str_("dog")],
         "threshold": np.float32(0.5), "count": np.int64(3), 1: "one"}
    )  # fmt: skip
    assert answers == {"classes": ["bird", "cat", "dog"], "threshold": 0.5,
                       "count": 3, "1": "one"}  # fmt: skip
    assert yaml.safe_load(yaml.safe_dump(answers)) == answers


def test_pins_bring_their_system_packages_and_the_model_libraries() -> None:
    pins = PinnedRequirements(
        versions={"lightgbm": "4.6.0", "numpy": "2.0.0", "fastapi": "0.1"},
        direct=("fastapi", "lightgbm"),
    )
    answers = pinned_answers(pins, "lightgbm", BACKENDS["fastapi"])
    assert answers["system_packages"] == ["libgomp1"]
    assert answers["libraries"] == {"lightgbm": "4.6.0", "numpy": "2.0.0"}
    assert answers["direct_requirements"] == ["fastapi", "lightgbm"]
    assert answers["dev_requirements"]["pytest"] == pytest.__version__


def test_of_each_group_of_alternatives_the_installed_one_is_taken() -> None:
    versions = installed_versions((), (("no-such-tool", "pytest"), ("no-such-either",)))
    assert versions == {"pytest": pytest.__version__, "no-such-either": ""}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read Copier's answers"),
        ("- a list\n", "does not hold the answers of an MLJET template"),
        ("_src_path: elsewhere\n", "does not hold the answers of an MLJET template"),
        ("key: [unclosed\n", "cannot read Copier's answers"),
    ],
)
def test_answers_that_cannot_be_read_say_why(
    tmp_path: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / ".copier-answers.yml").write_text(content)
    with pytest.raises(MljetError, match=message):
        recorded_answers(tmp_path)
