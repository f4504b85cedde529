"""The schema hook: the rendered service's own code asks the model what it takes.

Two facts of the schema are what the model does, not what it keeps, so the
model is asked, through the same code that turns a request into its input:
- a feature is nullable exactly when the model answers rows with that
  value missing (an imputer, a tree that routes missing values, an encoder
  that ignores what it does not know);
- a category is open when the model answers a value it was never fitted
  with; its known values are then listed, not enforced. A closed one is an
  enum of every value the model knows.
"Answers" means every prediction method returns, with finite numbers.
Rows are asked all features at once first; only when the model refuses
that is each feature asked alone, so most models take two calls.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from ..._base._errors import MljetError
from .._layout import runtime_module
from ._golden import imported_package

# A NumPy bool column cannot hold a missing value (a None would become
# False), so a feature of that dtype is never nullable. (An integer column
# with a gap becomes float64, as pandas makes it.)
NO_MISSING_DTYPES = frozenset({"bool"})
# Asked as the value of a category feature that the model never saw.
UNSEEN_TEXT = "mljet-unseen-value"
Ask = Callable[[list[dict[str, Any]]], str | None]


def settle_schema(project: Path, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers `features` and `examples`, as the model's replies settle them."""
    features: list[dict[str, Any]] = [dict(f) for f in answers["features"]]
    examples: list[dict[str, Any]] = [dict(row) for row in answers["examples"]]
    with imported_package(project, answers["package_name"]) as module:
        ask = _asker(module.__name__, features, list(answers["methods"]))
        base = examples[:3]
        holders = [f for f in features if f["dtype"] not in NO_MISSING_DTYPES]
        missing = _verdicts(ask, base, holders, lambda f: None)
        probed = [
            f
            for f in features
            if f["kind"] == "category" and unseen_value(f) is not None
        ]
        unseen = _verdicts(ask, base, probed, unseen_value)
    for feature in features:
        name = feature["name"]
        learned = dict(feature.get("learned", {}))
        refusal = missing.get(
            name, f"its dtype {feature['dtype']} has no missing value"
        )
        feature["nullable"] = refusal is None
        learned["nullable"] = _said("the value missing", refusal)
        if name in unseen:
            refusal = unseen[name]
            if refusal is None:
                feature["kind"] = _open_kind(feature["categories"])
            learned["unseen"] = _said("an unseen value", refusal)
        feature["learned"] = learned
    kept = [row for row in examples if _allowed(row, features)]
    if not kept:
        raise MljetError(
            "Every example row has a missing value where the model refuses one; "
            "give a sample with complete rows."
        )
    return {"features": features, "examples": kept}


Run = Callable[[list[dict[str, Any]]], dict[str, list[Any]]]


def _runner(package: str, features: list[dict[str, Any]], methods: list[str]) -> Run:
    """Rows in, every method's answers out (before JSON: a NaN is still
    one); whatever the model raises is raised. Every feature counts as nullable,
    so that the runtime hands the model a missing value as it would for a
    nullable feature; validation is left out, as the schema is the question."""
    spec_module = runtime_module(package, "spec")
    spec = spec_module.ServiceSpec.load()
    permissive = replace(
        spec, features=tuple(replace(f, nullable=True) for f in spec.features)
    )
    runtime = runtime_module(package, "runtime").ModelRuntime.load(permissive)
    batch_type = runtime_module(package, "validation").Batch
    names = [f["name"] for f in features]

    def run(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
        batch = batch_type({n: [row[n] for row in rows] for n in names}, len(rows))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {m: runtime.run(m, batch) for m in methods}

    return run


def _asker(package: str, features: list[dict[str, Any]], methods: list[str]) -> Ask:
    """Rows in, None if the model answers them, else what it said."""
    run = _runner(package, features, methods)

    def ask(rows: list[dict[str, Any]]) -> str | None:
        try:
            answered = run(rows)
        # Whatever the model raises is its refusal.
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        for method, outputs in answered.items():
            if not _finite(outputs):
                return f"{method} answered with a value that is not finite"
        return None

    return ask


def answers_to(
    project: Path, answers: Mapping[str, Any], rows: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    """What the rendered service's model answers each of `rows` alone,
    per method, whatever its schema yet says."""
    features: list[dict[str, Any]] = answers["features"]
    with imported_package(project, answers["package_name"]) as module:
        run = _runner(module.__name__, features, list(answers["methods"]))
        alone = [run([row]) for row in rows]
    # Through JSON: what a client reads.
    return {
        m: [orjson.loads(orjson.dumps(one[m]))[0] for one in alone]
        for m in answers["methods"]
    }


def _verdicts(
    ask: Ask,
    base: list[dict[str, Any]],
    features: list[dict[str, Any]],
    value: Callable[[dict[str, Any]], Any],
) -> dict[str, str | None]:
    """Per feature: None if the model answers `base` with `value` there."""

    def rows(feature: dict[str, Any]) -> list[dict[str, Any]]:
        return [{**row, feature["name"]: value(feature)} for row in base]

    if not features or ask([row for f in features for row in rows(f)]) is None:
        return {f["name"]: None for f in features}
    return {f["name"]: ask(rows(f)) for f in features}


def unseen_value(feature: Mapping[str, Any]) -> Any:
    """A value of the category's type that is not one of its categories."""
    known = feature.get("categories", [])
    if all(isinstance(v, str) for v in known):
        return UNSEEN_TEXT
    numbers = [v for v in known if isinstance(v, (int, float))]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in numbers):
        return max(numbers, default=0) + 1
    if len(numbers) == len(known) and not any(isinstance(v, bool) for v in known):
        return max(numbers, default=0.0) + 1.5
    return None


def _open_kind(categories: list[Any]) -> str:
    if all(isinstance(v, str) for v in categories):
        return "string"
    if all(isinstance(v, int) for v in categories):
        return "int"
    return "float"


def _said(what: str, refusal: str | None) -> str:
    if refusal is None:
        return f"asked the model: it answers with {what}"
    short = refusal if len(refusal) <= 160 else refusal[:157] + "..."
    return f"asked the model: it refuses {what} ({short})"


def _allowed(row: Mapping[str, Any], features: list[dict[str, Any]]) -> bool:
    return all(row[f["name"]] is not None or f["nullable"] for f in features)


def _finite(outputs: list[Any]) -> bool:
    for output in outputs:
        values = output.values() if isinstance(output, dict) else (output,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            return False
    return True
