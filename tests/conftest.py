"""Shared fixtures: fitted models, the services generated from them, and the
test matrix, derived from the registries (backends, families) and the
catalog of model cases in `models.py`."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import joblib
import pytest

import models
import user_steps
from generator._rendering._backends import BACKENDS, DEFAULT_BACKEND
from generator._rendering._layout import runtime_module

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
    """Keep MLJET's cache (the installed generator's template repository,
    mypy's cache) out of ~/.cache: one for the run, shared by its workers,
    so that only the first type check analyses numpy and pandas."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, above each worker's own
    cache = base / "mljet-cache"
    cache.mkdir(exist_ok=True)
    os.environ["MLJET_CACHE_DIR"] = str(cache)
    return cache


class Lines:
    """A progress report kept for a test to read, instead of printed."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, message: str) -> None:
        self.lines.append(message)


def paired_family(backend: str) -> str:
    """The family whose representative case a backend is proved with.

    Each backend meets another family (in registry order), so that the
    backends' images also prove every family's requirements.
    """
    here = models.FAMILIES_HERE
    return here[list(BACKENDS).index(backend) % len(here)].name


# Every model case through the default backend; every other backend with the
# sample-typed pipeline (categories, nulls, ints, bools) and its paired
# family's case: the backends differ only in their glue, the cases only in
# what the shared core is given.
SERVED: list[tuple[str, str]] = [(DEFAULT_BACKEND, case) for case in models.cases()] + [
    (backend, case)
    for backend in BACKENDS
    if backend != DEFAULT_BACKEND
    for case in dict.fromkeys(
        [
            models.representative("sklearn"),
            models.representative(paired_family(backend)),
        ]
    )
]
# Each backend's richest pairing, for the tests of HTTP glue.
BACKEND_PAIRS: list[tuple[str, str]] = [
    (backend, models.representative("sklearn")) for backend in BACKENDS
]
# The projects whose code is linted and type-checked: each family's
# representative through the default backend, and each backend's pairing.
CHECKED: list[tuple[str, str]] = list(
    dict.fromkeys(
        [(DEFAULT_BACKEND, models.representative(f.name)) for f in models.FAMILIES_HERE]
        + BACKEND_PAIRS
    )
)


def ids(pairs: list[tuple[str, str]]) -> list[str]:
    return ["-".join(pair) for pair in pairs]


@pytest.fixture(scope="session")
def binary_case() -> models.Case:
    return models.case_named("binary_forest")


@pytest.fixture(scope="session")
def multiclass_case() -> models.Case:
    return models.case_named("multiclass_array")


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


Generate = Callable[[str, str], Path]


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
                code=[user_steps.__file__] if case.uses_user_steps else [],
                output=root / backend / case.name,
                quiet=True,
            )
        return made[backend, case_name]

    return service


class Core:
    """A generated service's core, imported in this process under its own name."""

    def __init__(self, project: Path, package: str, alias: str) -> None:
        self.project = project
        self.package = package
        self.alias = alias

    def module(self, name: str) -> ModuleType:
        """The runtime's module `name` (in the fence)."""
        return runtime_module(self.alias, name)

    def owner_module(self, name: str) -> ModuleType:
        """The owner's module `name` (`app`, `model`, `settings`)."""
        return importlib.import_module(f"{self.alias}.{name}")


@pytest.fixture(scope="session")
def core(generate: Generate) -> Iterator[Core]:
    """The service core of the sample-typed pipeline's project, in process:
    float (nullable), int, bool and category features, a real model."""
    from generator._rendering._hooks._golden import imported_package

    package = models.representative("sklearn")
    project = generate(DEFAULT_BACKEND, package)
    with imported_package(project, package) as imported:
        yield Core(project, package, imported.__name__)


@pytest.fixture(scope="module")
def service(core: Core) -> Any:
    """The core's service with its model loaded, one per test module."""
    loaded = core.module("service").PredictionService.from_env()
    loaded.load()
    return loaded


def git(repository: Path, *args: str) -> str:
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
