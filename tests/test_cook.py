"""`cook()` (`generator/_entry_points/_cook.py`): the steps in order, and
where a failure leaves things: before staging, nothing; in a hook, the
project, named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import models
from generator import cook
from generator._base._errors import HookError, MljetError
from generator._rendering._template import TemplateSource
from templates import template_appending

REPO = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".mljet-" in p.name)


class NoPredict:
    """An object that cannot be served: it predicts nothing."""


def empty_file(folder: Path) -> Path:
    (folder / "model.joblib").write_bytes(b"")
    return folder / "model.joblib"


def truncated_file(folder: Path) -> Path:
    joblib.dump(models.case_named("binary_forest").model, folder / "model.joblib")
    whole = (folder / "model.joblib").read_bytes()
    (folder / "model.joblib").write_bytes(whole[: len(whole) // 2])
    return folder / "model.joblib"


def own_code_only(folder: Path) -> object:
    """A frame read by an identity function: nothing says what it holds."""
    frame = pd.DataFrame({"size": [1.0, 2.0, 3.0]})
    model = make_pipeline(FunctionTransformer(np.log1p), Ridge())
    return model.fit(frame, [1.0, 2.0, 3.0])


CASE = models.case_named


@pytest.mark.parametrize(
    ("model", "options", "said"),
    [
        (lambda folder: CASE("binary_forest").model, {"name": "class"}, "keyword"),
        (lambda folder: CASE("binary_forest").model, {"name": "json"}, "shadow"),
        (empty_file, {}, "empty"),
        (truncated_file, {}, "truncated"),
        (
            lambda folder: CASE("binary_forest").model,
            {"sample": CASE("binary_forest").sample[["x1"]]},  # type: ignore[index]
            "do not match",
        ),
        (lambda folder: NoPredict(), {}, "no predict method"),
        (own_code_only, {}, "--sample"),
        (lambda folder: CASE("python_rules").model, {}, "--sample"),
    ],
    ids=[
        "keyword", "stdlib", "empty", "truncated", "columns", "unservable",
        "untyped", "own-class",
    ],
)  # fmt: skip
def test_a_failure_caused_by_the_inputs_leaves_no_directory(
    tmp_path: Path, model: Any, options: dict[str, Any], said: str
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(MljetError) as refused:
        cook(model(inputs), output=output / "svc", quiet=True, **options)
    assert said in str(refused.value)
    assert list(output.iterdir()) == []


@pytest.mark.parametrize(
    ("module", "code", "hook", "reason"),
    [
        ("mljet/validation.py", "\ndef broken(:\n", "schema", "SyntaxError"),
        ("mljet/errors.py", '\n\ndef count() -> int:\n    return "1"\n', "typecheck",
         "error: Incompatible return value"),
    ],
)  # fmt: skip
def test_a_failing_hook_is_named_and_nothing_is_left_behind(
    tmp_path: Path, module: str, code: str, hook: str, reason: str
) -> None:
    case = models.case_named("multiclass_array")
    altered = template_appending(tmp_path, module, code)
    template = TemplateSource(str(altered), None, working_tree=True)
    with pytest.raises(HookError) as failed:
        cook(
            case.model,
            name="svc",
            output=tmp_path / "svc",
            template=template,
            quiet=True,
        )
    assert failed.value.hook == hook
    assert reason in failed.value.reason
    if hook == "typecheck":  # named file:line, the line being the last one
        source = altered / "template/src/{{package_name}}/mljet/errors.py"
        lines = source.read_text().splitlines()
        assert f"src/svc/mljet/errors.py:{len(lines)}: error" in failed.value.reason
    assert f"Nothing was written to {tmp_path / 'svc'}." in str(failed.value)
    assert not (tmp_path / "svc").exists()
    assert leftovers(tmp_path) == []


def test_steps_report_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = models.case_named("binary_forest")
    cook(case.model, sample=case.sample, name="svc", output=tmp_path / "svc")
    said = capsys.readouterr().err.splitlines()
    # mljet: [  1.2 s] MESSAGE, the times in order.
    times = [float(line.split("[")[1].split()[0]) for line in said]
    assert times == sorted(times)
    lines = [line.split("] ", 1)[1].split()[0].rstrip(":") for line in said]
    assert lines == [
        "RandomForestClassifier", "sample", "importances", "rendering", "schema",
        "golden", "explain", "requirements", "formatted", "type-checked", "made",
        "--runtime", "done",
    ]  # fmt: skip
