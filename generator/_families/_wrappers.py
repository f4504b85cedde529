"""What boosting libraries' scikit-learn-style estimators have in common."""

from __future__ import annotations

from typing import Any

from .._errors import MljetError
from .._model_info import Task


def task_of(
    fitted: Any, classifier: bool
) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    """The task, class labels and prediction methods of a fitted estimator."""
    if not classifier:
        return "regression", (), ("predict",)
    classes = tuple(fitted.classes_.tolist())
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    return task, classes, ("predict", "predict_proba")


def not_fitted(name: str) -> MljetError:
    return MljetError(
        f"The {name} is not fitted. Call .fit(X, y) on it before generating a "
        "service."
    )
