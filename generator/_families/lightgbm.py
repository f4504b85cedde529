"""LightGBM's scikit-learn estimators, stored in LightGBM's own text format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import MljetError
from .._model_info import ModelInfo, Task

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
            raise MljetError(
                f"The {name} is not fitted. Call .fit(X, y) on it before "
                "generating a service."
            )
        task: Task
        classes: tuple[Any, ...] = ()
        if name == "LGBMClassifier":
            classes = tuple(fitted.classes_.tolist())
            task = "binary" if len(classes) == 2 else "multiclass"
            methods: tuple[str, ...] = ("predict", "predict_proba")
        else:
            task, methods = "regression", ("predict",)
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
