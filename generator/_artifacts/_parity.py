"""Verified parity: a built artifact must answer the golden rows as the model.

`tests/golden.json` holds the example rows and, per prediction method, what
the service's own code predicted for them in the model's environment. A
running artifact (a container, an installed wheel) gets the same rows over
HTTP; any difference, or a failure to answer, is an error naming it. A
service of the model converted to ONNX must give the same labels and
scores within the tolerance it records (`tolerance`, relative to the largest
golden score, at least 1; 0: exactly). Where the service explains, its
explanations of the rows must be the recorded ones, within the method's
tolerance (`explanation_tolerance`).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._base._errors import MljetError
from .._model._onnx import answer_deviation, scale_of

SHOWN_DIFFERENCES = 3


def golden_of(project: Path) -> dict[str, Any]:
    golden: dict[str, Any] = json.loads((project / "tests" / "golden.json").read_text())
    return golden


def golden_scale(golden: dict[str, Any]) -> float:
    """What a converted model's tolerance is relative to: the largest
    golden score, at least 1."""
    return scale_of(
        answer
        for kind in ("predictions", "predictions_alone")
        for answers in golden[kind].values()
        for answer in answers
    )


def wait_until_ready(
    url: str, timeout: float, still_running: Callable[[], bool] | None = None
) -> None:
    """Poll `url`/ready until it answers 200, the artifact stops, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if still_running is not None and not still_running():
            raise MljetError(f"the service stopped before it was ready at {url}")
        try:
            status, _ = _call("GET", f"{url}/ready")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise MljetError(f"the service was not ready at {url} after {timeout:.0f} s")


def check_parity(url: str, golden: dict[str, Any]) -> int:
    """Replay the golden rows at `url`; return how many predictions matched.

    The rows go as one request, then each alone: the service answers every
    request as the model answers that request alone.
    """
    instances = golden["instances"]
    tolerance = float(golden.get("tolerance", 0))
    scale = golden_scale(golden)
    compared = 0
    for method, expected in golden["predictions"].items():
        together = posted(url, method, instances, "predictions")
        _compare(method, together, expected, "together", tolerance * scale)
        alone = [posted(url, method, [row], "predictions")[0] for row in instances]
        expected_alone = golden["predictions_alone"][method]
        _compare(method, alone, expected_alone, "one by one", tolerance * scale)
        compared += 2 * len(expected)
    explanations = golden.get("explanations") or []
    if explanations:
        _compare_explanations(
            posted(url, "explain", instances, "explanations"),
            explanations,
            float(golden.get("explanation_tolerance", 0)),
        )
        compared += len(explanations)
    return compared


def _compare_explanations(
    found: list[Any], expected: list[Any], tolerance: float
) -> None:
    """Each row's output, base value and contributions as recorded, within
    the method's tolerance (relative to each value, at least 1)."""

    def close(got: Any, want: float) -> bool:
        return isinstance(got, (int, float)) and abs(got - want) <= tolerance * max(
            1.0, abs(want)
        )

    differences = []
    for row, (got, want) in enumerate(zip(found, expected, strict=False)):
        mine, golden = got.get("contributions", {}), want["contributions"]
        if not (
            close(got.get("output"), want["output"])
            and close(got.get("base_value"), want["base_value"])
            and mine.keys() == golden.keys()
            and all(close(mine[name], value) for name, value in golden.items())
        ):
            differences.append(f"row {row}: {got!r} instead of {want!r}")
    if len(found) != len(expected):
        differences.insert(0, f"{len(found)} explanations for {len(expected)} rows")
    if differences:
        shown = "; ".join(differences[:SHOWN_DIFFERENCES])
        raise MljetError(
            "/explain differs from its explanations in the generator's "
            f"environment: {shown}"
        )


def posted(url: str, route: str, instances: list[Any], key: str) -> list[Any]:
    """The `key` list of the answer to the golden rows at `route`; a
    MljetError unless it answered 200."""
    status, answer = _call(
        "POST", f"{url}/{route}", json.dumps({"instances": instances}).encode()
    )
    if status != 200:
        raise MljetError(
            f"POST /{route} with {len(instances)} rows answered {status}: "
            f"{answer[:300].decode(errors='replace')}"
        )
    answered: list[Any] = json.loads(answer)[key]
    return answered


def _compare(
    method: str,
    predicted: list[Any],
    expected: list[Any],
    sent: str,
    tolerance: float,
) -> None:
    differences = [
        f"row {row}: {got!r} instead of {want!r}"
        for row, (got, want) in enumerate(zip(predicted, expected, strict=False))
        if not _matches(got, want, tolerance)
    ]
    if len(predicted) != len(expected):
        differences.insert(0, f"{len(predicted)} predictions for {len(expected)} rows")
    if differences:
        shown = "; ".join(differences[:SHOWN_DIFFERENCES])
        more = len(differences) - SHOWN_DIFFERENCES
        raise MljetError(
            f"/{method} differs from the model in the generator's environment "
            f"(rows sent {sent}): {shown}{f' (and {more} more)' if more > 0 else ''}"
        )


def _matches(got: Any, want: Any, tolerance: float) -> bool:
    if tolerance == 0:
        return bool(got == want)
    same, off = answer_deviation(got, want, 1.0)
    return same and off <= tolerance


def _call(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=30
    )
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, parts.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
