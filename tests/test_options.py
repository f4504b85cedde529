"""The options (`generator/_rendering/_options.py`): defined once, checked in one place,
and every one reaches the rendered service from each entry point."""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli import run_copier, run_generator
from conftest import DEFAULT_BACKEND, Generate
from generator import cook
from generator._artifacts import ARTIFACTS
from generator._base._errors import OptionError
from generator._entry_points._cli import parser
from generator._rendering._backends import BACKENDS
from generator._rendering._options import Options, default_of, option_specs
from templates import copier_questions
from templates import recorded as recorded_questions

REPO = Path(__file__).resolve().parents[1]
QUESTIONS: dict[str, Any] = copier_questions()
RECORDED = [(name, spec) for name, spec in option_specs() if spec.answer]

# A value other than the default for every recorded option but the artifact
# (which builds; it has a test of its own below).
CHOSEN: dict[str, Any] = {
    "backend": list(BACKENDS)[-1],
    "name": "chosen_name",
    "max_instances": 77,
    "max_body_bytes": 77_777,
    "max_batch_rows": 7,
    "max_explain_rows": 17,
    "base_image": "python:3.11-slim-bookworm",
    "runtime": "onnx",
    "onnx_tolerance": 0.002,
}


def test_every_recorded_option_has_a_chosen_value_here() -> None:
    """So that a new option cannot escape the entry-point test below."""
    assert set(CHOSEN) | {"sample", "artifact"} == {name for name, _ in RECORDED}
    for name, value in CHOSEN.items():
        assert value != default_of(name), name


def _by_cli(model: Path, sample: Path, cwd: Path) -> Path:
    flags = [str(part) for name, value in CHOSEN.items()
             for part in (dict(option_specs())[name].flag, value)]  # fmt: skip
    done = run_generator(model, "--sample", sample, *flags, "--output", "out", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return cwd / "out"


def _by_cook(model: Path, sample: Path, cwd: Path) -> Path:
    return cook(model, sample=sample, output=cwd / "out", quiet=True, **CHOSEN)


def _by_copier(model: Path, sample: Path, cwd: Path) -> Path:
    specs = dict(option_specs())
    data = [f"{specs[n].answer}={specs[n].to_answer(v)}" for n, v in CHOSEN.items()]
    done = run_copier(
        "copy", "--trust", "--vcs-ref=HEAD", "--defaults",
        "-d", f"model_file={model}", "-d", f"sample_file={sample}",
        *[part for item in data for part in ("-d", item)], REPO, "out", cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return cwd / "out"


ENTRY_POINTS: dict[str, Callable[[Path, Path, Path], Path]] = {
    "cli": _by_cli,
    "cook": _by_cook,
    "copier": _by_copier,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_option_reaches_the_service_from_every_entry_point(
    entry: str, tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    model, sample = binary_files
    project = ENTRY_POINTS[entry](model, sample, tmp_path)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    specs = dict(option_specs())
    for name, value in CHOSEN.items():
        assert answers[specs[name].answer] == value, name
    assert answers["sample_file"] == sample.name
    package = project / "src" / CHOSEN["name"]
    # The limits are the defaults of the owner's settings.
    settings: dict[str, Any] = {}
    exec((package / "settings.py").read_text(), settings)
    limits = ("MAX_INSTANCES", "MAX_BODY_BYTES", "MAX_BATCH_ROWS", "MAX_EXPLAIN_ROWS")
    chosen = tuple(settings["DEFAULTS"][name] for name in limits)
    assert chosen == (77, 77_777, 7, 17)
    assert f"ARG BASE_IMAGE={CHOSEN['base_image']}\n" in (
        (project / "Dockerfile").read_text()
    )
    glue = (package / "mljet/glue.py").read_text()
    assert f'"""{BACKENDS[CHOSEN["backend"]].framework} glue' in glue


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_artifact_option_reaches_the_generator_from_every_entry_point(
    entry: str,
    tmp_path: Path,
    binary_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An engine that is not there: the answer is acted on before anything is
    # loaded or written.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    monkeypatch.setitem(CHOSEN, "artifact", "docker")
    with pytest.raises((AssertionError, Exception)) as failed:
        ENTRY_POINTS[entry](*binary_files, tmp_path)
    assert "No Docker engine is reachable" in str(failed.value)
    assert not (tmp_path / "out").exists()


def test_the_command_line_offers_every_option_as_cook_takes_it(tmp_path: Path) -> None:
    argv = [
        "model.pkl", "--sample", "s.csv", "--backend", "flask", "--name", "n",
        "--output", "o", "--force", "--max-instances", "5", "--max-body-bytes", "6",
        "--max-batch-rows", "7", "--trust", "--code", "a.py", "--code", "b",
        "--base-image", "img", "--artifact", "wheel", "--run", "--offline", "-q",
    ]  # fmt: skip
    parsed = vars(parser().parse_args(argv))
    parsed.pop("model_file")
    assert parsed.pop("json") is False  # how the CLI prints, not an option
    assert Options.from_keywords(parsed) == Options(
        sample="s.csv", backend="flask", name="n", output="o", force=True,
        max_instances=5, max_body_bytes=6, max_batch_rows=7, trust=True,
        code=("a.py", "b"), base_image="img", artifact="wheel", run=True,
        offline=True, quiet=True,
    )  # fmt: skip
    assert set(parsed) == {name for name, _ in option_specs()}


def test_copier_asks_exactly_the_recorded_options_with_their_defaults() -> None:
    for name, spec in RECORDED:
        question = QUESTIONS[spec.answer]
        if name == "name":  # Copier's default comes from the folder's name
            continue
        assert question["default"] == spec.to_answer(default_of(name)), name
        if spec.choices is not None:
            offered = list(question["choices"].values())
            assert offered == [*(["none"] if name == "artifact" else []),
                               *spec.choices()], name  # fmt: skip
    assert list(QUESTIONS["artifact"]["choices"].values()) == ["none", *ARTIFACTS]


def test_every_question_is_an_option_or_an_answer_the_generator_records(
    generate: Generate,
) -> None:
    project = generate(DEFAULT_BACKEND, "binary_forest")
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    questions = recorded_questions(QUESTIONS)
    assert questions == {key for key in recorded if not key.startswith("_")}


@pytest.mark.parametrize(
    ("keywords", "option", "reason"),
    [
        ({"name": "My-Service"}, "name", "not a valid package name"),
        ({"name": "My-Service"}, "name", "(for example 'my_service')"),
        ({"name": "numpy"}, "name", "would shadow a package"),
        ({"name": "class"}, "name", "'class' is a Python keyword"),
        ({"name": "json"}, "name", "would shadow Python's own json module"),
        ({"name": "xgboost"}, "name", "such as 'xgboost_service'"),
        ({"max_instances": 0}, "max_instances", "at least 1, got 0"),
        ({"max_body_bytes": True}, "max_body_bytes", "whole number"),
        ({"base_image": "Python 3"}, "base_image", "not a Docker image reference"),
        ({"backend": "django"}, "backend", "unknown choice 'django'"),
        ({"artifact": "zip"}, "artifact", "unknown choice 'zip'"),
        ({"run": True}, "run", "also choose an artifact"),
        (
            {"push": "127.0.0.1:5000/team/churn"},
            "push",
            "also choose --artifact docker",
        ),
        (
            {"push": "Team/Churn:1", "artifact": "docker"},
            "push",
            "not an image reference",
        ),
        ({"git": False, "update": "svc"}, "git", "an existing one"),
    ],
)
def test_a_value_no_entry_point_may_pass_is_named(
    keywords: dict[str, Any], option: str, reason: str
) -> None:
    with pytest.raises(OptionError) as refused:
        Options.from_keywords(keywords).check()
    assert refused.value.option == option
    assert reason in refused.value.reason


def test_an_unknown_keyword_of_cook_suggests_the_option() -> None:
    with pytest.raises(
        TypeError, match=r"unknown option 'sampel'\. Did you mean 'sample'"
    ):
        cook(object(), sampel="x.csv")


def test_code_is_one_path_or_several() -> None:
    assert Options.from_keywords({"code": "step.py"}).code == ("step.py",)
    assert Options.from_keywords({"code": ["a.py", "b"]}).code == ("a.py", "b")


def test_answers_and_options_convert_both_ways() -> None:
    options = Options(sample=Path("rows.csv"), name="svc", artifact=None)
    answers = options.answers()
    assert answers["sample_file"] == "rows.csv"
    assert answers["artifact"] == "none"
    back = Options.from_answers({**answers, "unrelated": 1})
    assert (back.sample, back.artifact, back.name) == ("rows.csv", None, "svc")
    assert Options(sample=object()).answers()["sample_file"] == ""


def test_the_command_line_reference_documents_every_option_once() -> None:
    """The site's page is written from the CLI's parser at build time."""
    sys.path.insert(0, str(REPO / "scripts"))
    from docs_reference import on_page_markdown

    page = on_page_markdown((REPO / "docs/reference/cli.md").read_text())
    rows = [line.split("|")[1] for line in page.splitlines()
            if line.startswith("| `-")]  # fmt: skip
    documented = [flag for row in rows for flag in re.findall(r"`(--[a-z-]+)", row)]
    # The command line's own: how it prints, and its completion script.
    own = ["--json", "--completion"]
    assert sorted(documented) == sorted([spec.flag for _, spec in option_specs()] + own)


def test_help_of_cook_lists_every_option_with_its_flag_and_default() -> None:
    """`help(cook)` is written from the options, as the CLI's help is."""
    documented = inspect.getdoc(cook) or ""
    for name, spec in option_specs():
        assert f"{name} (default {default_of(name)!r}; {spec.flag}): " in documented
    assert "{options}" not in documented
