"""Shared fixtures: fitted models, and the services generated from them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import joblib
import pytest

import models
from generator._backends import BACKENDS

REPO = Path(__file__).resolve().parents[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (MLJET_NO_SKIP=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("MLJET_NO_SKIP") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in CI, where every tool must be present: {report.longrepr}"
        )


@pytest.fixture(scope="session", autouse=True)
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the installed generator's template repository out of ~/.cache."""
    cache = tmp_path_factory.mktemp("mljet-cache")
    os.environ["MLJET_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def binary_case() -> models.Case:
    return models.case_named("binary_forest")


@pytest.fixture(scope="session")
def multiclass_case() -> models.Case:
    return models.case_named("multiclass_array")


@pytest.fixture(scope="session")
def mixed_case() -> models.Case:
    return models.case_named("mixed_pipeline")


@pytest.fixture(scope="session")
def binary_files(
    binary_case: models.Case, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The binary model saved with joblib and its sample as CSV."""
    folder = tmp_path_factory.mktemp("binary_files")
    model_path = folder / "forest.joblib"
    joblib.dump(binary_case.model, model_path)
    sample_path = folder / "sample.csv"
    assert binary_case.sample is not None
    binary_case.sample.to_csv(sample_path, index=False)
    return model_path, sample_path


CASES = ("binary_forest", "multiclass_array", "mixed_pipeline")
# One case per family and task beyond scikit-learn's.
FAMILY_CASES = (
    "xgboost_multiclass",
    "xgboost_binary",
    "xgboost_regression",
    "lightgbm_multiclass",
    "lightgbm_binary",
    "lightgbm_regression",
    "catboost_multiclass",
    "catboost_binary",
    "catboost_regression",
    # pandas category, bool and int columns beside floats.
    "lightgbm_mixed_frame",
    "xgboost_mixed_frame",
)
# Native boosters, each given to the generator as its library's own file.
BOOSTER_CASES = tuple(
    f"{family}_{task}"
    for family in ("xgboost_booster", "lightgbm_booster", "catboost_model")
    for task in ("binary", "multiclass", "regression")
)
Generate = Callable[[str, str], Path]
# Every model case through FastAPI; every other backend through one case (the
# backends differ only in their glue, the cases only in the shared core).
PROJECTS = (
    [("fastapi", case) for case in CASES]
    + [(backend, "mixed_pipeline") for backend in BACKENDS if backend != "fastapi"]
    + [("fastapi", case) for case in FAMILY_CASES if case.endswith("multiclass")]
)
PROJECT_IDS = ["-".join(project) for project in PROJECTS]


@pytest.fixture(scope="session")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """`generate(backend, case)`: the service for a model case, made once.

    Every backend's service for a case has the same package name, so their
    documents can be compared byte for byte.
    """
    from generator import cook

    root = tmp_path_factory.mktemp("services")
    made: dict[tuple[str, str], Path] = {}

    def service(backend: str, case_name: str) -> Path:
        if (backend, case_name) not in made:
            case = models.case_named(case_name)
            source = case.model
            if case.native_suffix is not None:
                source = root / f"{case.name}{case.native_suffix}"
                case.model.save_model(str(source))
            made[backend, case_name] = cook(
                source,
                sample=case.sample,
                name=case.name,
                backend=backend,
                code=[models.__file__] if case.uses_this_module else [],
                output=root / backend / case.name,
                quiet=True,
            )
        return made[backend, case_name]

    return service


@pytest.fixture(scope="session")
def services(generate: Generate) -> dict[str, Path]:
    """The FastAPI service of each model case."""
    return {name: generate("fastapi", name) for name in CASES}


def git(repository: Path, *args: str) -> str:
    import subprocess

    identity = {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }  # fmt: skip
    return subprocess.run(
        ["git", "-C", str(repository), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **identity},
    ).stdout


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A clean git copy of this repository's current files, tagged v1.0.0.

    Tests render from it rather than from the checkout, whose uncommitted
    changes Copier would turn into commits of its own.
    """
    import shutil

    copy = tmp_path / "template-repo"
    listed = git(REPO, "ls-files", "--cached", "--others", "--exclude-standard")
    for relative in listed.splitlines():
        source = REPO / relative
        if source.is_file():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)
    git(copy, "init", "--quiet")
    git(copy, "add", "--all")
    git(copy, "commit", "--quiet", "-m", "template")
    git(copy, "tag", "v1.0.0")
    return copy
