"""The onnx hook: the service switches to the converted model, and proves it.

The draft served the model itself, so the schema and the golden values are
the model's. This hook renders the service of the converted model in its
place (dropping the model's own file: the service needs neither it nor its
library), then asks that service, through its own code, the golden rows,
together and each alone, and rows with each nullable feature missing and
each open category unseen. This is the parity gate's second half (the
first compared every sample row at conversion):
- every label equals the model's;
- every score is within the tolerance of the model's (relative to the
  largest of the golden values, at least 1);
- every row the model answers, the converted model answers too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import MljetError
from .._onnx import Parity, answer_deviation, check_parity, scale_of
from ._golden import served
from ._schema_probe import UNSEEN_TEXT

KEPT = ("spec.json", "model.onnx")


def drop_model_files(project: Path, package: str) -> None:
    """Remove the model's own file: the converted one serves now."""
    for path in (project / "src" / package / "model").iterdir():
        if path.name not in KEPT:
            path.unlink()


def served_parity(project: Path, answers: Mapping[str, Any]) -> Parity:
    """The converted service's answers beside the golden (the model's)."""
    methods: list[str] = answers["methods"]
    examples: list[Any] = answers["examples"]
    tolerance = float(answers["onnx_tolerance"])
    deviation = 0.0
    labels_equal = True
    golden = [*answers["golden"].values(), *answers["golden_alone"].values()]
    scale = scale_of(answer for method in golden for answer in method)
    with served(project, answers) as service:
        for method in methods:
            together = service.asked(method, examples)
            alone = [service.asked(method, [example])[0] for example in examples]
            pairs = [
                *zip(together, answers["golden"][method], strict=True),
                *zip(alone, answers["golden_alone"][method], strict=True),
            ]
            for found, expected in pairs:
                same, off = answer_deviation(found, expected, scale)
                labels_equal &= same
                deviation = max(deviation, off)
        for name, value in _edge_values(answers["features"]):
            row = {**examples[0], name: value}
            try:
                service.asked(methods[0], [row])
            # The converted model's refusal of a row the model answers.
            except Exception as error:
                what = "missing" if value is None else "a value it never saw"
                raise MljetError(
                    f"The model converted to ONNX refuses '{name}' {what}, which "
                    f"the model answers ({type(error).__name__}: {error}). Serve it "
                    "with --runtime native."
                ) from None
    parity = Parity(len(examples) * 2, labels_equal, deviation)
    check_parity(parity, tolerance, "the golden rows, through the service")
    return parity


def _edge_values(features: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """A missing value where the model takes one; an unseen value where a
    category is open."""
    edges: list[tuple[str, Any]] = []
    for feature in features:
        if feature["nullable"]:
            edges.append((feature["name"], None))
        if feature["kind"] == "string" and feature.get("categories"):
            edges.append((feature["name"], UNSEEN_TEXT))
    return edges
