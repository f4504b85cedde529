"""Generated code is formatted, lint-clean, typed, and independent of MLJET."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import models
from conftest import BACKEND_PAIRS, CHECKED, DEFAULT_BACKEND, Generate, ids
from generator._rendering._backends import BACKENDS
from servers import Server, free_port, stop, wait_until_ready

TOOLS = [
    ("black", "--check", "."),
    ("isort", "--check-only", "."),
    ("ruff", "check", "."),
    ("mypy",),
]


def run(
    project: Path, *command: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
@pytest.mark.parametrize("tool", TOOLS, ids=[tool[0] for tool in TOOLS])
def test_generated_project_passes(
    project: tuple[str, str],
    tool: tuple[str, ...],
    generate: Generate,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # One mypy cache for all projects, outside them: the libraries' stubs are
    # read once; mypy rechecks every module whose source or imports differ.
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    result = run(generate(*project), *tool, env={"MYPY_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stdout + result.stderr


OWN_TESTS = [*BACKEND_PAIRS, (DEFAULT_BACKEND, "linear_frame")]


@pytest.mark.parametrize("project", OWN_TESTS, ids=ids(OWN_TESTS))
def test_generated_projects_own_tests_pass(
    project: tuple[str, str], generate: Generate
) -> None:
    """In this environment, which has every backend; the end-to-end test runs
    them in a fresh one made from the project's own requirements."""
    project_dir = generate(*project)
    src = {"PYTHONPATH": str(project_dir / "src")}  # as `pip install -e .` would
    result = run(project_dir, "pytest", "-q", "-p", "no:cacheprovider", env=src)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_generated_code_never_imports_mljet_or_copier(
    project: tuple[str, str], generate: Generate
) -> None:
    for path in generate(*project).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"generator", "copier", "mljet"}, path


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_no_template_leftovers(project: tuple[str, str], generate: Generate) -> None:
    for path in generate(*project).rglob("*"):
        assert not path.name.endswith(".jinja"), path
        if path.is_file() and path.suffix in {".py", ".md", ".toml", ".txt", ".json"}:
            text = path.read_text()
            assert "{{" not in text and "{%" not in text, path


def test_array_models_do_not_pull_in_pandas(generate: Generate) -> None:
    array = generate(DEFAULT_BACKEND, "multiclass_array") / "requirements.txt"
    assert "scikit-learn==" in array.read_text()
    assert "\npandas==" not in array.read_text()
    frame = generate(DEFAULT_BACKEND, "binary_forest") / "requirements.txt"
    assert "\npandas==" in frame.read_text()


def test_a_row_alone_is_answered_as_the_model_answers_it_alone(
    generate: Generate,
) -> None:
    """The linear case's rows differ alone and in a batch: the golden values
    record both, and the project's own tests (run above) hold it to both."""
    golden = json.loads(
        (generate(DEFAULT_BACKEND, "linear_frame") / "tests/golden.json").read_text()
    )
    together, alone = (
        golden["predictions"]["predict"],
        golden["predictions_alone"]["predict"],
    )
    assert together != alone, "BLAS no longer sums a row alone differently here"
    case = models.case_named("linear_frame")
    assert case.sample is not None
    rows = case.sample.head(len(alone))
    assert alone == [case.model.predict(rows.iloc[[i]])[0] for i in range(len(rows))]
    assert together == case.model.predict(rows).tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_pins_its_own_server_and_nothing_of_the_others(
    backend: str, generate: Generate
) -> None:
    project = generate(backend, models.representative("sklearn"))
    pinned = {
        line.split("==")[0]
        for line in (project / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    own = set(BACKENDS[backend].runtime_requirements)
    assert own <= pinned
    others = {name for b in BACKENDS.values() for name in b.runtime_requirements} - own
    assert not others & pinned, others & pinned
    dev = (project / "requirements-dev.txt").read_text()
    for alternatives in BACKENDS[backend].test_requirements:
        assert any(f"\n{name}==" in dev for name in alternatives), alternatives
    modules = {p.stem for p in (project / "src/mixed_pipeline/mljet").glob("*.py")}
    server = BACKENDS[backend].server
    assert ("gunicorn_server" in modules) == (server == "gunicorn")
    assert ("uvicorn_server" in modules) == (server == "uvicorn")
    assert ("wsgi" in modules) == BACKENDS[backend].wsgi


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_readmes_server_command_serves(backend: str, generate: Generate) -> None:
    project = generate(backend, "mixed_pipeline")
    assert "python -m mixed_pipeline" in (project / "README.md").read_text()
    reference = (project / "docs/reference.md").read_text()
    command = reference.split("The server's own command works")[1].split("```bash\n")[1]
    command = command.split("\n```")[0]
    port = str(free_port())
    command = command.replace("0.0.0.0:8000", f"127.0.0.1:{port}").replace(
        "--host 0.0.0.0 --port 8000", f"--host 127.0.0.1 --port {port}"
    )
    assert port in command, command
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    process = subprocess.Popen(
        shlex.split(command), cwd=project, env=env, start_new_session=True
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_ready(server, command, timeout=60)
        answer = server.post("/predict", {"instances": GOLDEN_INSTANCE})
        assert answer.status == 200, answer.body
    finally:
        stop(process)


GOLDEN_INSTANCE = [{"income": 50000.0, "age": 40, "member": True, "plan": "gold"}]
