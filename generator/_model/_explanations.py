"""Which explainer a model's `/explain` uses, or why it has none.

A family names the method that explains its models exactly
(`ModelFamily.explanation`); generation then asks the rendered service's
own explainer to explain the example rows and checks that each base value
plus its contributions gives the output explained (the explain hook). A
model with no exact method gets no `/explain`, and one line says why.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

# The boosting libraries compute exact TreeSHAP contributions themselves.
NATIVE_CONTRIBUTIONS = "native_contribs"
TREE_SHAP = "tree_shap"
LINEAR_EXACT = "linear_exact"
# Libraries whose tree models shap's TreeExplainer reads, as a pipeline's
# last step too.
TREE_LIBRARIES = ("sklearn.tree", "sklearn.ensemble", "xgboost", "lightgbm", "catboost")


@dataclass(frozen=True)
class ExplanationPlan:
    """The method that explains a model (`method`), or why none does."""

    method: str = ""
    reason: str = ""

    def to_answers(self) -> dict[str, Any]:
        return {
            "explanation": {"method": self.method} if self.method else None,
            "explanation_note": self.reason,
        }


def no_explainer(reason: str) -> ExplanationPlan:
    return ExplanationPlan("", reason)


ONNX_RUNTIME = no_explainer(
    "the ONNX runtime runs the converted graph without the model's library, "
    "which explanations need: serve it natively (--runtime native) for /explain"
)


def sklearn_explanation(model: object) -> ExplanationPlan:
    """Linear models exactly from their coefficients; tree models by
    TreeSHAP (with `shap` installed); for a pipeline, its last step."""
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    name = type(estimator).__name__
    if hasattr(estimator, "coef_") and hasattr(estimator, "intercept_"):
        return ExplanationPlan(LINEAR_EXACT)
    module = type(estimator).__module__
    if not module.startswith(TREE_LIBRARIES):
        return no_explainer(
            f"no exact explainer for a {name}: /explain serves tree models "
            "(TreeSHAP) and linear models (their coefficients)"
        )
    if importlib.util.find_spec("shap") is None:
        return no_explainer(
            f"explaining a {name} takes TreeSHAP from the shap library, which "
            "is not installed beside the model: pip install shap, then generate "
            "again for /explain"
        )
    return ExplanationPlan(TREE_SHAP)
