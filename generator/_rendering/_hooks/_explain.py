"""The explain hook: the service's own explainer, checked on the examples.

A family plans the method that explains its model (`ModelFamily.explanation`);
this hook asks the rendered service's explainer for the example rows'
contributions and checks the contract `/explain` states: each base value
plus the contributions gives the output explained, within the method's
tolerance (`contributions.TOLERANCES` of the service). The largest error
and the examples' explanations become answers (the service's metadata and
its tests); a method that fails or misses drops `/explain`, and one line
says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._layout import runtime_module
from ._batch_check import probe_rows
from ._golden import served


@dataclass(frozen=True)
class CheckedExplanation:
    """The answers the check records, and its line for the progress report."""

    answers: dict[str, Any]
    line: str

    @property
    def dropped(self) -> bool:
        return self.answers["explanation"] is None


def check_explanations(project: Path, answers: Mapping[str, Any]) -> CheckedExplanation:
    """Explain the examples with the project's own code; keep `/explain`
    only where every contribution adds up."""
    method = str(answers["explanation"]["method"])
    examples = list(answers["examples"])
    rows = probe_rows(examples, answers["features"])
    try:
        with served(project, answers) as service:
            explanations = runtime_module(service.package, "contributions")
            try:
                found = service.runtime.explain(service.parsed(rows))
            except Exception:
                # The model refuses the inexact copies: the examples alone.
                rows = examples
                found = service.runtime.explain(service.parsed(rows))
            explained = str(service.runtime.explainer.explained)
            tolerance = float(explanations.TOLERANCES[method])
            features = tuple(service.spec.feature_names)
            golden = service.runtime.explain(service.parsed(examples))
            golden_rows = explanations.per_row(golden, features)
    except Exception as error:  # the model's library and shap run here
        reason = str(error).splitlines()[0][:300] if str(error) else ""
        failed = type(error).__name__
        return _dropped(f"its {method} explainer failed: {failed}: {reason}")
    largest = found.largest_error()
    if not largest <= tolerance:
        return _dropped(
            f"{method} contributions missed the output they explain by {largest:.3g} "
            f"(relative) on {len(rows)} rows, beyond its tolerance {tolerance:g}"
        )
    if explained == "raw" and _is_prediction(golden.outputs, answers, tolerance):
        explained = "value"
    explanation = {
        "method": method,
        "explained": explained,
        "tolerance": tolerance,
        "largest_error": largest,
        "rows_checked": len(rows),
    }
    return CheckedExplanation(
        {
            "explanation": explanation,
            "explanation_note": "",
            "golden_explanations": [row for _, row in golden_rows],
        },
        f"explain: {method} explains the {explained}; base value plus "
        f"contributions within {largest:.2g} of it on {len(rows)} rows",
    )


def _dropped(reason: str) -> CheckedExplanation:
    return CheckedExplanation(
        {"explanation": None, "explanation_note": reason, "golden_explanations": []},
        f"explain: no /explain: {reason}",
    )


def _is_prediction(outputs: Any, answers: Mapping[str, Any], tolerance: float) -> bool:
    """Whether a regressor's raw outputs are its predictions (no link)."""
    predicted = np.asarray(answers["golden"]["predict"], dtype=np.float64)
    raw = np.asarray(outputs, dtype=np.float64)[:, 0]
    scale = np.maximum(1.0, np.abs(predicted))
    return bool(np.all(np.abs(raw - predicted) / scale <= tolerance))
