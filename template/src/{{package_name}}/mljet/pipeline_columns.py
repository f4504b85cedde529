# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""A scikit-learn model's last estimator, and where its columns come from.

An explainer explains the last estimator of a pipeline, on the columns
its steps make (one-hot groups, scaled values); the client sent others.
`ColumnGroups` sums each made column's contribution back into the input
it was made from, found by name: scikit-learn names a made column after
its input (`age`, `plan_gold`), behind its transformer's (`cat__plan_gold`).
A column made from several inputs (PCA's) has no single input: such a
pipeline is not explained exactly, and generation says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def split_pipeline(model: Any) -> tuple[Any | None, Any]:
    """The steps before the last estimator (None for an estimator alone),
    and the last estimator."""
    if not hasattr(model, "steps"):
        return None, model
    return (model[:-1] if len(model.steps) > 1 else None), model[-1]


def made_columns(preprocess: Any | None, model_input: Any) -> Any:
    """The columns the last estimator sees, as a dense float array."""
    made = model_input if preprocess is None else preprocess.transform(model_input)
    if hasattr(made, "toarray"):  # a sparse matrix (one-hot encoders')
        made = made.toarray()
    return np.asarray(made, dtype=np.float64)


class ColumnGroups:
    """Which input each made column comes from, to add contributions up."""

    def __init__(self, preprocess: Any | None, features: Sequence[str]) -> None:
        if preprocess is None:
            self.matrix = np.eye(len(features))
            return
        try:
            if hasattr(preprocess, "feature_names_in_"):
                made = preprocess.get_feature_names_out()
            else:
                made = preprocess.get_feature_names_out(list(features))
        except AttributeError:
            raise ValueError(
                "a step of the pipeline does not name the columns it makes: "
                "their contributions cannot be given to the features clients send"
            ) from None
        self.matrix = np.zeros((len(made), len(features)))
        for position, name in enumerate(made):
            self.matrix[position, _source(str(name), features)] = 1.0

    def summed(self, values: Any) -> Any:
        """Contributions per made column (rows, columns, outputs) added up
        per input (rows, inputs, outputs)."""
        return np.einsum("rco,ci->rio", values, self.matrix)


def _source(name: str, features: Sequence[str]) -> int:
    """The input a made column's name comes from: itself, or the longest
    input its name starts with (then `_`), behind any `transformer__`."""
    parts = name.split("__")
    for start in range(len(parts)):
        candidate = "__".join(parts[start:])
        found = [
            i
            for i, feature in enumerate(features)
            if candidate == feature or candidate.startswith(feature + "_")
        ]
        if found:
            return max(found, key=lambda i: len(features[i]))
    raise ValueError(
        f"the pipeline makes column {name!r} from no single input: its "
        "contributions cannot be given to the features clients send"
    )
