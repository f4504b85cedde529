"""`cook()` (`generator/_cook.py`): the steps in order, and where a failure
leaves things: before staging, nothing; in a hook, the project, named."""

from __future__ import annotations

from pathlib import Path

import pytest

import models
from generator import cook
from generator._errors import HookError, MljetError
from generator._template import TemplateSource
from templates import template_appending

REPO = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".mljet-" in p.name)


def test_a_failure_before_staging_leaves_nothing(tmp_path: Path) -> None:
    case = models.case_named("binary_forest")
    assert case.sample is not None
    with pytest.raises(MljetError):
        cook(
            case.model, sample=case.sample[["x1"]], output=tmp_path / "svc", quiet=True
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("module", "code", "hook", "reason"),
    [
        ("validation.py", "\ndef broken(:\n", "schema", "SyntaxError"),
        ("errors.py", '\n\ndef count() -> int:\n    return "1"\n', "typecheck",
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
        source = altered / "template/src/{{package_name}}/errors.py"
        lines = source.read_text().splitlines()
        assert f"src/svc/errors.py:{len(lines)}: error" in failed.value.reason
    assert f"Nothing was written to {tmp_path / 'svc'}." in str(failed.value)
    assert not (tmp_path / "svc").exists()
    assert leftovers(tmp_path) == []


def test_steps_report_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = models.case_named("binary_forest")
    cook(case.model, sample=case.sample, name="svc", output=tmp_path / "svc")
    lines = [
        line.split(":")[1].split()[0] for line in capsys.readouterr().err.splitlines()
    ]
    assert lines == [
        "RandomForestClassifier", "sample", "rendering", "schema", "golden",
        "requirements", "formatted", "type-checked", "done",
    ]  # fmt: skip
