"""LightGBM's scikit-learn estimators, stored in LightGBM's own text format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._model_info import ModelInfo
from ._wrappers import not_fitted, task_of

BASE_MODULES = frozenset({"lightgbm", "numpy", "scipy"})
ESTIMATORS = ("LGBMClassifier", "LGBMRegressor")


class LightGBMFamily:
    name = "lightgbm"
    supported = "LightGBM's LGBMClassifier and LGBMRegressor"
    # A text model file LightGBM's Booster reads back, never a pickle.
    native_format = True

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("lightgbm.") and kind.__name__ in ESTIMATORS

    def introspect(self, model: object) -> ModelInfo:
        import lightgbm

        name = type(model).__name__
        fitted: Any = model  # an LGBMModel: lightgbm's types are not imported here
        if not getattr(fitted, "fitted_", False):
            raise not_fitted(name)
        task, classes, methods = task_of(fitted, name == "LGBMClassifier")
        names = getattr(fitted, "feature_names_in_", None)
        return ModelInfo(
            family=self.name,
            library="lightgbm",
            library_version=lightgbm.__version__,
            model_class=f"lightgbm.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=int(fitted.n_features_in_),
            feature_names=None if names is None else tuple(map(str, names)),
            classes=classes,
            modules=BASE_MODULES,
        )

    def save(self, model: object, directory: Path) -> str:
        filename = "model.txt"
        fitted: Any = model
        fitted.booster_.save_model(str(directory / filename))
        return filename


FAMILY = LightGBMFamily()
