"""Every backend's service fuzzed from its own OpenAPI document, and soaked
with valid and invalid requests, each answer checked: the model's own for a
valid one, the right 4xx for an invalid one. Loopback only, bounded in time."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_clients import Request, soak

import models
from conftest import BACKEND_PAIRS, Generate, ids
from servers import Server, serve

TESTS = Path(__file__).parent
# What `st run` is told beyond its defaults, explained in the README.
SCHEMATHESIS_CONFIG = TESTS / "schemathesis.toml"
FUZZ_EXAMPLES = 100
SOAK_SECONDS = 15
# The resident memory a soak may add to the service (its workers included):
# buffers grow to the largest request once; a leak grows with requests.
SOAK_RSS_GROWTH_KIB = 20_000
MAX_INSTANCES = 50


@pytest.fixture(scope="module", params=BACKEND_PAIRS, ids=ids(BACKEND_PAIRS))
def served(
    request: pytest.FixtureRequest, generate: Generate
) -> Iterator[tuple[Server, models.Case]]:
    backend, case_name = request.param
    project = generate(backend, case_name)
    # The document's maxItems bound what schemathesis makes: /predict's and
    # /explain's the same.
    env = {"MAX_INSTANCES": str(MAX_INSTANCES), "MAX_EXPLAIN_ROWS": str(MAX_INSTANCES)}
    with serve(case_name, pythonpath=project / "src", env=env) as server:
        yield server, models.case_named(case_name)


def test_schemathesis_finds_nothing(served: tuple[Server, models.Case]) -> None:
    server, _ = served
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(SCHEMATHESIS_CONFIG),
            "run",
            f"{server.base}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(FUZZ_EXAMPLES),
            "--seed",
            "18",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-6000:]
    assert "No issues found" in summary, summary
    assert server.call("GET", "/health").status == 200


def soak_requests(server: Server, case: models.Case) -> list[Request]:
    """Nine valid requests in ten, each with the model's own answer, and
    invalid ones, each with the status it must get."""
    inputs = case.inputs
    pick = inputs.iloc if hasattr(inputs, "iloc") else inputs
    chooser = random.Random(18)
    valid = []
    for _ in range(45):
        rows = sorted(chooser.sample(range(len(inputs)), chooser.randint(1, 5)))
        body = {"instances": models.records(pick[rows])}
        expected = models.expected_predictions(case, "predict", pick[rows])
        valid.append(Request("/predict", json.dumps(body).encode(), 200, expected))
    good = models.records(pick[[0]])[0]
    invalid = [
        Request("/predict", b'{"instances": [', 400),
        Request("/predict", b'{"instances": []}', 422),
        Request("/predict", json.dumps({"instances": [{}]}).encode(), 422),
        Request(
            "/predict",
            json.dumps({"instances": [good] * (MAX_INSTANCES + 1)}).encode(),
            422,
        ),
        Request("/nowhere", b"{}", 404),
    ]
    return valid + invalid


def test_a_soak_answers_every_request_exactly_and_keeps_its_memory(
    served: tuple[Server, models.Case],
) -> None:
    server, case = served
    report = soak(server, soak_requests(server, case), SOAK_SECONDS)
    assert report.wrong == [], report.wrong
    statuses = {label.split()[1] for label in report.answered}
    assert statuses <= {"200", "400", "404", "422"}, report.answered
    assert report.answered["valid 200"] > 1000, report.answered
    assert report.rss_growth_kib < SOAK_RSS_GROWTH_KIB, report
    print(
        f"soak {report.seconds:g} s: {report.requests} requests "
        f"({dict(report.answered)}), RSS {report.rss_start_kib} -> "
        f"{report.rss_end_kib} KiB"
    )
