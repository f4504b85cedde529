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

from ..._base._errors import MljetError
from ..._model._onnx import Parity, answer_deviation, check_parity, scale_of
from .._layout import model_dir
from ._golden import Served, served
from ._schema_probe import answers_to, unseen_value

KEPT = ("spec.json", "model.onnx")


def drop_model_files(project: Path, package: str) -> None:
    """Remove the model's own file: the converted one serves now."""
    for path in model_dir(project, package).iterdir():
        if path.name not in KEPT:
            path.unlink()


Edges = dict[str, list[Any]]


def edge_answers(project: Path, answers: Mapping[str, Any]) -> tuple[list[Any], Edges]:
    """Rows with a feature missing or an open category unseen, and what the
    model itself (the draft still serves it) answers each alone."""
    examples: list[Any] = answers["examples"]
    rows = [{**examples[0], n: v} for n, v in _edge_values(answers["features"])]
    return rows, answers_to(project, answers, rows)


def served_parity(
    project: Path, answers: Mapping[str, Any], edges: list[Any], expected: Edges
) -> Parity:
    """The converted service's answers beside the model's: the golden rows,
    and the edge rows with what the model answered them."""
    methods: list[str] = answers["methods"]
    examples: list[Any] = answers["examples"]
    golden = [*answers["golden"].values(), *answers["golden_alone"].values()]
    scale = scale_of(answer for method in golden for answer in method)
    pairs: list[tuple[Any, Any]] = []
    with served(project, answers) as service:
        for method in methods:
            together = service.asked(method, examples)
            alone = [service.asked(method, [example])[0] for example in examples]
            pairs += [
                *zip(together, answers["golden"][method], strict=True),
                *zip(alone, answers["golden_alone"][method], strict=True),
            ]
            for row, answer in zip(edges, expected[method], strict=True):
                pairs.append((_asked_edge(service, method, row), answer))
    offs = [answer_deviation(found, wanted, scale) for found, wanted in pairs]
    parity = Parity(
        len(pairs),
        all(same for same, _ in offs),
        max((off for _, off in offs), default=0.0),
    )
    what = (
        "the golden rows and rows with missing and unseen values, through the service"
    )
    check_parity(parity, float(answers["onnx_tolerance"]), what)
    return parity


def _asked_edge(service: Served, method: str, row: dict[str, Any]) -> Any:
    try:
        return service.asked(method, [row])[0]
    # The converted model's refusal of a row the model answers.
    except Exception as error:
        raise MljetError(
            "The model converted to ONNX refuses a row the model answers "
            f"({row}: {type(error).__name__}: {error}). Serve it with --runtime "
            "native."
        ) from None


def _edge_values(features: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """A missing value where the model takes one; an unseen value where a
    category is open."""
    edges: list[tuple[str, Any]] = []
    for feature in features:
        if feature["nullable"]:
            edges.append((feature["name"], None))
        # An open category: its known values listed, others answered too.
        unseen = unseen_value(feature) if feature.get("categories") else None
        if feature["kind"] != "category" and unseen is not None:
            edges.append((feature["name"], unseen))
    return edges
