"""Choosing an artifact: the registry, and the checks before generating
(`generator/_artifacts/`); building them is the system lane's."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cli import run_generator
from generator._artifacts._parity import check_parity
from generator._base._errors import MljetError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--run"], "argument --run: it keeps a built artifact running"),
        (["--base-image", "Python 3"], "'Python 3' is not a Docker image reference"),
        (["--artifact", "zip"], "invalid choice: 'zip'"),
    ],
)
def test_artifact_options_are_checked_before_generating(
    arguments: list[str], message: str, tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    result = run_generator(binary_files[0], *arguments, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


class GoldenServer(http.server.BaseHTTPRequestHandler):
    """Answers each POST with the first value of `answers` per row sent."""

    answers: ClassVar[dict[str, list[Any]]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        rows = [GOLDEN["instances"].index(row) for row in body["instances"]]
        predictions = self.answers[self.path.strip("/")]
        alone = len(rows) == 1 and len(GOLDEN["instances"]) > 1
        answer = [predictions[row] + (0.5 if alone and row == 1 else 0) for row in rows]
        payload = json.dumps({"predictions": answer}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


GOLDEN: dict[str, Any] = {
    "instances": [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}],
    "predictions": {"predict": [10.0, 20.0, 30.0]},
    "predictions_alone": {"predict": [10.0, 20.5, 30.0]},
}


@pytest.fixture
def golden_url() -> Iterator[str]:
    GoldenServer.answers = GOLDEN["predictions"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GoldenServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_parity_replays_the_rows_together_and_each_alone(golden_url: str) -> None:
    assert check_parity(golden_url, GOLDEN) == 6


def test_a_row_alone_that_differs_fails_parity_naming_it(golden_url: str) -> None:
    changed = {**GOLDEN, "predictions_alone": {"predict": [10.0, 20.0, 30.0]}}
    with pytest.raises(MljetError, match=r"rows sent one by one\): row 1: 20.5"):
        check_parity(golden_url, changed)


def test_a_build_step_that_prints_nothing_is_still_said_to_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The image build's progress: each step, and a line while one is silent
    (as pip's install is); its last lines when it fails."""
    from generator._artifacts import _docker

    monkeypatch.setattr(_docker, "HEARTBEAT", 0.2)
    said: list[str] = []

    class Said:
        def step(self, message: str) -> None:
            said.append(message)

    build = "echo 'Step 1/2 : RUN pip install'; sleep 1; echo 'Step 2/2 : CMD x'"
    _docker._stream(["sh", "-c", build], Said())
    assert said[0] == "docker: Step 1/2 : RUN pip install"
    assert said[1].startswith("docker: Step 1/2 still running (")
    assert said[-1] == "docker: Step 2/2 : CMD x"
    with pytest.raises(MljetError, match=r"docker build failed \(exit 3\):\nlast"):
        _docker._stream(["sh", "-c", "echo last; exit 3"], Said())
