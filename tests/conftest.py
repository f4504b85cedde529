"""Shared fixtures: fitted models, and the services generated from them."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import models
import pytest

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


@pytest.fixture(scope="session")
def binary_case() -> models.Case:
    return models.binary_forest()


@pytest.fixture(scope="session")
def multiclass_case() -> models.Case:
    return models.multiclass_array()


@pytest.fixture(scope="session")
def mixed_case() -> models.Case:
    return models.mixed_pipeline()


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


@pytest.fixture(scope="session")
def services(
    binary_case: models.Case,
    multiclass_case: models.Case,
    mixed_case: models.Case,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """One FastAPI service per model case, generated through the Python API."""
    from generator import cook

    root = tmp_path_factory.mktemp("services")
    return {
        case.name: cook(
            case.model,
            sample=case.sample,
            name=case.name,
            output=root / case.name,
            quiet=True,
        )
        for case in (binary_case, multiclass_case, mixed_case)
    }
