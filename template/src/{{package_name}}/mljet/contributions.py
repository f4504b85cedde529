# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What an explainer gives: per row, each output of the model, a base value
and one contribution per feature, adding up to the output.

The model's explainer (`explainer.py`, the one its method needs) returns
`Contributions`; `contributions` and `booster_contributions` make them from
the shapes the libraries give. The contract: the base value plus the
contributions is the output, within the method's tolerance (`TOLERANCES`),
which generation checks on the example rows. `explanations.py` serves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

#: The largest |output - base value - sum of contributions| each method may
#: leave, relative to max(1, |output|): exact arithmetic in float64 for
#: TreeSHAP and linear models, float32 sums in the boosting libraries.
TOLERANCES = {"tree_shap": 1e-9, "linear_exact": 1e-9, "native_contribs": 1e-4}


@dataclass(frozen=True)
class Contributions:
    """Per row and output (a class's, or the one value): the output, its
    base value, and each model feature's contribution to it.

    `outputs` and `base_values` are rows by outputs; `values` rows by
    features (in the model's order) by outputs.
    """

    outputs: np.ndarray[Any, np.dtype[np.float64]]
    base_values: np.ndarray[Any, np.dtype[np.float64]]
    values: np.ndarray[Any, np.dtype[np.float64]]

    def largest_error(self) -> float:
        """The largest additivity error, relative to max(1, |output|)."""
        gap = self.outputs - self.base_values - self.values.sum(axis=1)
        scale = np.maximum(1.0, np.abs(self.outputs))
        return float(np.max(np.abs(gap) / scale, initial=0.0))


def contributions(
    outputs: Any, base_values: Any, values: Any, classes: int
) -> Contributions:
    """Contributions from `outputs` (rows by outputs, or one per row), base
    values (one per output, or per row and output) and `values` (rows by
    features by outputs). A classifier with one margin, its second class's,
    gets the first's too: the negative."""
    values = np.asarray(values, dtype=np.float64)
    outputs = np.asarray(outputs, dtype=np.float64).reshape(len(values), -1)
    base = np.broadcast_to(np.asarray(base_values, dtype=np.float64), outputs.shape)
    if classes and outputs.shape[1] == 1:
        outputs = np.concatenate([-outputs, outputs], axis=1)
        base = np.concatenate([-base, base], axis=1)
        values = np.concatenate([-values, values], axis=2)
    return Contributions(outputs, base, values)


def booster_contributions(found: Any, outputs: Any, classes: int) -> Contributions:
    """Contributions as the boosting libraries give them, rows by (outputs
    by) features and the bias last, with their margins."""
    found = np.asarray(found, dtype=np.float64)
    if found.ndim == 2:
        found = found[:, np.newaxis, :]
    values = np.transpose(found[:, :, :-1], (0, 2, 1))
    return contributions(outputs, found[:, :, -1], values, classes)


class Explainer(Protocol):
    """What a method's explainer does with the model's input for rows.

    `explained` is the kind of output it explains: "probability",
    "margin" (a classifier's score before its link) or "raw" (a
    regressor's; generation names it "value" where it is the prediction).
    """

    explained: str

    def explain(self, model_input: Any) -> Contributions: ...


def per_row(
    found: Contributions, features: tuple[str, ...], chosen: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Per row, the output explained (`chosen`, else the one the model
    scores highest) and its output, base value and contributions, the
    largest first."""
    explained = []
    for row, outputs in enumerate(found.outputs):
        at = int(np.argmax(outputs)) if chosen is None else chosen
        values = found.values[row, :, at]
        order = np.argsort(-np.abs(values), kind="stable")
        explanation = {
            "output": float(outputs[at]),
            "base_value": float(found.base_values[row, at]),
            "contributions": {features[i]: float(values[i]) for i in order},
        }
        explained.append((at, explanation))
    return explained
