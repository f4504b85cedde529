"""The owner's seam (`model.py`): the generated README's worked example, put
in as an owner would, on every backend and through every protocol; its
golden answers recorded again by the documented command; and what the seam
refuses, at start-up and per request."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from generator import cook
from generator._rendering._backends import BACKENDS
from owned import run_own_tests
from servers import Server, serve

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "seamed"
THRESHOLD = 0.3
# Rows clients send once the example is in: the income itself.
ROWS = [
    {"age": 41, "income": 52_000.0},
    {"age": 23, "income": 18_500.0},
    {"age": 67, "income": 140_000.0},
]


def _fitted() -> tuple[LogisticRegression, pd.DataFrame]:
    """A classifier of 0 and 1, trained on the logarithm of the income."""
    rng = np.random.default_rng(5)
    income = rng.lognormal(10.8, 0.6, 300)
    frame = pd.DataFrame(
        {"age": rng.integers(18, 80, 300), "log_income": np.log1p(income)}
    )
    target = (frame["log_income"] * 0.8 + frame["age"] * 0.02 > 9.9).astype(int)
    return LogisticRegression().fit(frame, target), frame


MODEL, SAMPLE = _fitted()


def readme_example(project: Path) -> str:
    """The worked example of the generated README's "Change it" section."""
    readme = (project / "README.md").read_text()
    section = readme.split("## Change it")[1].split("\n## ")[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, blocks
    return blocks[0]


def expected(method: str, rows: list[dict[str, Any]]) -> list[Any]:
    """What the example makes of the model's own answers."""
    frame = pd.DataFrame(
        {
            "age": [row["age"] for row in rows],
            "log_income": [math.log1p(row["income"]) for row in rows],
        }
    )
    probabilities = MODEL.predict_proba(frame)
    if method == "predict":
        return [int(p[1] >= THRESHOLD) for p in probabilities]
    return [{"0": p[0], "1": p[1]} for p in probabilities.tolist()]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A service per backend, the README's example in its `model.py`, its
    golden answers recorded again by the command the README gives."""
    base = tmp_path_factory.mktemp("seam")
    made = {}
    for backend in BACKENDS:
        project = cook(
            MODEL,
            sample=SAMPLE,
            name=PACKAGE,
            backend=backend,
            output=base / backend,
            quiet=True,
        )
        model = project / "src" / PACKAGE / "model.py"
        docstring = '"""The owner\'s seam: the README\'s example."""\n\n'
        model.write_text(docstring + "from __future__ import annotations\n\n"
                         + readme_example(project))  # fmt: skip
        recorded = subprocess.run(
            [sys.executable, "tests/record_golden.py"],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert recorded.returncode == 0, recorded.stderr
        made[backend] = project
    return made


def test_the_readme_and_the_docs_site_show_the_same_example(
    projects: dict[str, Path],
) -> None:
    example = readme_example(projects["fastapi"])
    page = (REPO / "docs/how-to/seam.md").read_text()
    assert f"```python\n{example}```" in page


def test_after_the_record_command_the_services_own_suite_passes(
    projects: dict[str, Path],
) -> None:
    project = projects["fastapi"]
    golden = json.loads((project / "tests/golden.json").read_text())
    assert golden["feature_names"] == ["age", "income"]
    assert golden["predictions"]["predict"] == expected("predict", golden["instances"])
    tests = run_own_tests(project)
    assert tests.returncode == 0, tests.stdout[-3000:]


@pytest.fixture(scope="module", params=list(BACKENDS))
def served(
    request: pytest.FixtureRequest, projects: dict[str, Path]
) -> Iterator[Server]:
    with serve(PACKAGE, pythonpath=projects[request.param] / "src") as server:
        yield server


def _post(server: Server, path: str, payload: Any) -> Any:
    answer = server.post(path, payload)
    assert answer.status == 200, answer.body
    return answer.json()


def test_every_protocol_answers_through_the_seam(served: Server) -> None:
    for method in ("predict", "predict_proba"):
        found = _post(served, f"/{method}", {"instances": ROWS})["predictions"]
        assert found == expected(method, ROWS), method
    mlflow = _post(served, "/invocations", {"dataframe_records": ROWS})
    assert mlflow["predictions"] == expected("predict", ROWS)
    inputs = [
        {"name": name, "datatype": datatype, "shape": [3],
         "data": [row[name] for row in ROWS]}
        for name, datatype in (("age", "INT64"), ("income", "FP64"))
    ]  # fmt: skip
    v2 = _post(served, f"/v2/models/{PACKAGE}/infer", {"inputs": inputs})
    outputs = {output["name"]: output["data"] for output in v2["outputs"]}
    assert outputs["predict"] == expected("predict", ROWS)


def test_the_inputs_clients_send_are_documented_and_validated(
    served: Server,
) -> None:
    document = served.call("GET", "/openapi.json").json()
    properties = document["components"]["schemas"]["Instance"]["properties"]
    assert list(properties) == ["age", "income"]
    metadata = served.call("GET", "/metadata").json()
    assert [f["name"] for f in metadata["features"]] == ["age", "income"]
    v2 = served.call("GET", f"/v2/models/{PACKAGE}").json()
    assert [i["name"] for i in v2["inputs"]] == ["age", "income"]
    # The model's own input is no longer the client's to send.
    refused = served.post(
        "/predict", {"instances": [{"age": 40, "log_income": 10.9}]}
    ).json()
    fields = {(d["field"], d["message"]) for d in refused["error"]["details"]}
    assert fields == {("income", "missing feature"), ("log_income", "unknown feature")}
    # A value `prepare` refuses (log1p of -5) is the client's 422, named.
    answer = served.post("/predict", {"instances": [{"age": 40, "income": -5.0}]})
    assert answer.status == 422
    assert answer.json()["error"]["code"] == "model_rejected_input"
    assert served.call("GET", "/health").status == 200


def test_a_seam_the_model_cannot_take_stops_the_start_with_its_reason(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / "broken"
    shutil.copytree(projects["fastapi"], project)
    model = project / "src" / PACKAGE / "model.py"
    model.write_text(model.read_text().replace('("log_income",)', '("salary",)'))
    started = subprocess.run(
        [sys.executable, "-m", PACKAGE],
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert started.returncode == 2
    assert "cannot start: model.py: COMPUTED names 'salary'" in started.stderr
