"""The user's own code a pickled model refers to: shipped with --code, or refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import models
from generator import cook
from generator._base._errors import MljetError
from generator._safety._pickle_scan import scan_model_file

CUSTOM_STEP = '''
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class Doubler(BaseEstimator, TransformerMixin):
    """A step of the user's own, as training scripts often define."""

    def fit(self, x, y=None):
        self.n_features_in_ = np.asarray(x).shape[1]
        return self

    def transform(self, x):
        return np.asarray(x, dtype=float) * 2.0
'''

TRAINING_SCRIPT = CUSTOM_STEP + """

if __name__ == "__main__":
    import sys

    import joblib
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    x, y = make_regression(n_samples=60, n_features=3, random_state=0)
    joblib.dump(make_pipeline(Doubler(), Ridge()).fit(x, y), sys.argv[1])
"""


@pytest.fixture(scope="module")
def script_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline pickled by a training script whose own class is in it."""
    folder = tmp_path_factory.mktemp("training")
    script = folder / "train.py"
    script.write_text(TRAINING_SCRIPT)
    model = folder / "model.joblib"
    subprocess.run([sys.executable, str(script), str(model)], check=True)
    return model


def test_a_class_from_the_training_script_is_refused_with_how_to_ship_it(
    script_model: Path, tmp_path: Path
) -> None:
    with pytest.raises(MljetError) as refused:
        cook(script_model, output=tmp_path / "svc", quiet=True)
    message = str(refused.value)
    assert "__main__.Doubler" in message and "the script that trained it" in message
    assert "--code model_code.py" in message
    assert not (tmp_path / "svc").exists()


def test_shipped_code_serves_a_model_pickled_by_its_training_script(
    script_model: Path, tmp_path: Path
) -> None:
    code = tmp_path / "model_code.py"
    code.write_text(CUSTOM_STEP)
    project = cook(
        script_model, code=[code], name="svc", output=tmp_path / "svc", quiet=True
    )
    shipped = project / "src" / "model_code" / "__init__.py"
    assert shipped.read_text() == CUSTOM_STEP  # as given, not reformatted
    stored = project / "src" / "svc" / "model_files" / "model.joblib"
    # Pickled again: the service imports the class from the shipped module.
    assert ("model_code", "Doubler") in scan_model_file(stored).globals
    assert "__main__" not in {module for module, _ in scan_model_file(stored).globals}
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["code_modules"] == ["model_code"]
    assert "Doubler" in answers["pickle_reason"]
    assert "pickle, the last resort" in (project / "README.md").read_text()
    reference = (project / "docs/reference.md").read_text()
    assert "pickle, the last resort" in reference and "`src/model_code/`" in reference
    # The project's own tests, in a fresh process whose __main__ is pytest:
    # golden predictions, and black, ruff and mypy leaving the user's code be.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    for tool in (["black", "--check", "."], ["ruff", "check", "."], ["mypy"]):
        checked = subprocess.run(
            [sys.executable, "-m", *tool], cwd=project, capture_output=True, text=True
        )
        assert checked.returncode == 0, (tool, checked.stdout + checked.stderr)


def test_a_function_from_a_users_module_needs_that_module(tmp_path: Path) -> None:
    case = models.case_named("failing_regressor")
    with pytest.raises(MljetError) as refused:
        cook(case.model, output=tmp_path / "svc", quiet=True)
    message = str(refused.value)
    assert "user_steps.fail_on_thirteen from your own module 'user_steps'" in message
    assert "--code path/to/user_steps.py" in message
    assert "pip install" not in message


def test_a_pickle_naming_a_module_that_is_gone_asks_for_its_code(
    tmp_path: Path,
) -> None:
    helpers = tmp_path / "helpers_gone.py"
    helpers.write_text("def scale(x):\n    return x * 3\n")
    model = tmp_path / "model.pkl"
    script = textwrap.dedent(f"""
        import sys, joblib
        sys.path.insert(0, {str(tmp_path)!r})
        from sklearn.preprocessing import FunctionTransformer
        from helpers_gone import scale
        joblib.dump(FunctionTransformer(scale), {str(model)!r})
        """)
    subprocess.run([sys.executable, "-c", script], check=True)
    helpers.unlink()
    with pytest.raises(MljetError) as refused:
        cook(model, output=tmp_path / "svc", quiet=True)
    # Gone from this machine, it may be a library as well as the user's code.
    message = str(refused.value)
    assert "needs the Python module 'helpers_gone'" in message
    assert "pip install helpers_gone" in message
    assert "--code path/to/helpers_gone.py" in message


@pytest.mark.parametrize("given", ["notes.txt", "folder"])
def test_code_that_is_not_a_module_is_refused(given: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    case = models.case_named("multiclass_array")
    with pytest.raises(MljetError, match="give a Python file"):
        cook(case.model, code=[tmp_path / given], output=tmp_path / "s", quiet=True)


def test_code_the_model_does_not_use_is_not_shipped(tmp_path: Path) -> None:
    code = tmp_path / "unused.py"
    code.write_text("VALUE = 1\n")
    case = models.case_named("multiclass_array")
    project = cook(case.model, code=[code], name="s", output=tmp_path / "s", quiet=True)
    assert not (project / "src" / "unused").exists()
