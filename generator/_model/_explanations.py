"""Which explainer a model's `/explain` uses, or why it has none.

A family names the method that explains its models exactly
(`ModelFamily.explanation`); generation then asks the rendered service's
own explainer to explain the example rows and checks that each base value
plus its contributions gives the output explained (the explain hook). A
model with no exact method gets no `/explain`, and one line says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The boosting libraries compute exact TreeSHAP contributions themselves.
NATIVE_CONTRIBUTIONS = "native_contribs"
TREE_SHAP = "tree_shap"
LINEAR_EXACT = "linear_exact"


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


# Before the family was asked (tests make descriptions by hand).
NOT_PLANNED = ExplanationPlan()
ONNX_RUNTIME = no_explainer(
    "the ONNX runtime runs the converted graph without the model's library, "
    "which explanations need: serve it natively (--runtime native) for /explain"
)
