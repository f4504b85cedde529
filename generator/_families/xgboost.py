"""XGBoost's scikit-learn estimators, stored in XGBoost's own JSON format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import MljetError
from .._model_info import ModelInfo, Task

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
        task: Task
        classes: tuple[Any, ...] = ()
        if name == "XGBClassifier":
            classes = tuple(fitted.classes_.tolist())
            task = "binary" if len(classes) == 2 else "multiclass"
            methods: tuple[str, ...] = ("predict", "predict_proba")
        else:
            task, methods = "regression", ("predict",)
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
        raise MljetError(
            f"The {name} is not fitted. Call .fit(X, y) on it before generating "
            "a service."
        ) from None


FAMILY = XGBoostFamily()
