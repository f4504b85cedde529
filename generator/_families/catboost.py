"""CatBoost's scikit-learn-style estimators, stored in CatBoost's own format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._model_info import ModelInfo
from ._wrappers import not_fitted, task_of

BASE_MODULES = frozenset({"catboost", "numpy"})
ESTIMATORS = ("CatBoostClassifier", "CatBoostRegressor")


class CatBoostFamily:
    name = "catboost"
    supported = "CatBoost's CatBoostClassifier and CatBoostRegressor"
    # A .cbm file CatBoost reads back, never a pickle.
    native_format = True

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("catboost") and kind.__name__ in ESTIMATORS

    def introspect(self, model: object) -> ModelInfo:
        import catboost

        name = type(model).__name__
        fitted: Any = model  # a CatBoost model: its types are not imported here
        if not fitted.is_fitted():
            raise not_fitted(name)
        task, classes, methods = task_of(fitted, name == "CatBoostClassifier")
        names = [str(n) for n in fitted.feature_names_]
        # Fitted on an unnamed array, CatBoost numbers the features itself.
        unnamed = names == [str(i) for i in range(len(names))]
        return ModelInfo(
            family=self.name,
            library="catboost",
            library_version=catboost.__version__,
            model_class=f"catboost.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=len(names),
            feature_names=None if unnamed else tuple(names),
            classes=classes,
            modules=BASE_MODULES,
        )

    def save(self, model: object, directory: Path) -> str:
        filename = "model.cbm"
        fitted: Any = model
        fitted.save_model(str(directory / filename))
        return filename


FAMILY = CatBoostFamily()
