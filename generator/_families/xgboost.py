"""XGBoost's scikit-learn estimators, stored in XGBoost's own JSON format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._model_info import ModelInfo
from ._wrappers import not_fitted, task_of

# What loading the stored model needs: XGBoost itself (which uses scipy).
BASE_MODULES = frozenset({"xgboost", "numpy", "scipy"})
ESTIMATORS = ("XGBClassifier", "XGBRegressor")


class XGBoostFamily:
    name = "xgboost"
    supported = "XGBoost's XGBClassifier and XGBRegressor"
    # A JSON file XGBoost reads back, never a pickle.
    native_format = True

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("xgboost.") and kind.__name__ in ESTIMATORS

    def introspect(self, model: object) -> ModelInfo:
        import xgboost

        name = type(model).__name__
        fitted: Any = model  # an XGBModel: xgboost's types are not imported here
        booster = _booster(fitted, name)
        task, classes, methods = task_of(fitted, name == "XGBClassifier")
        names = booster.feature_names
        return ModelInfo(
            family=self.name,
            library="xgboost",
            library_version=xgboost.__version__,
            model_class=f"xgboost.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=booster.num_features(),
            feature_names=None if names is None else tuple(names),
            classes=classes,
            modules=BASE_MODULES,
        )

    def save(self, model: object, directory: Path) -> str:
        filename = "model.json"
        fitted: Any = model
        fitted.save_model(str(directory / filename))
        return filename


def _booster(model: Any, name: str) -> Any:
    try:
        return model.get_booster()
    except Exception:
        raise not_fitted(name) from None


FAMILY = XGBoostFamily()
