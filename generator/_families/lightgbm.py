"""LightGBM: its scikit-learn estimators and native Boosters, stored as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._model_info import ModelInfo, StoredModel, Task
from ._boosting import (
    not_fitted,
    read_native_file,
    task_of,
    task_of_classes,
    unsupported_objective,
)
from ._family import DistributionFacts

BASE_MODULES = frozenset({"lightgbm", "numpy", "scipy"})
ESTIMATORS = ("LGBMClassifier", "LGBMRegressor", "Booster")
CLASSIFIER_OBJECTIVES = ("binary", "multiclass")
REGRESSION_OBJECTIVES = (
    "regression", "regression_l1", "huber", "fair", "poisson", "quantile", "mape",
    "gamma", "tweedie",
)  # fmt: skip


class LightGBMFamily:
    name = "lightgbm"
    library = "lightgbm"
    supported = (
        "LightGBM's LGBMClassifier, LGBMRegressor and Booster (objectives "
        f"{', '.join(CLASSIFIER_OBJECTIVES + REGRESSION_OBJECTIVES)})"
    )
    file_suffixes: tuple[str, ...] = (".txt",)
    native_format = "LightGBM's own text format"
    # LightGBM is typed; its scikit-learn estimators reach scikit-learn.
    untyped_modules: tuple[str, ...] = ("sklearn.*",)
    # The Linux wheel does not bundle GNU OpenMP, which slim images lack.
    distributions = DistributionFacts(system_packages={"lightgbm": ("libgomp1",)})

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("lightgbm.") and kind.__name__ in ESTIMATORS

    def load_file(self, path: Path) -> object:
        import lightgbm

        return read_native_file(
            path,
            "lightgbm",
            lightgbm.__version__,
            lambda name: lightgbm.Booster(model_file=name),
        )

    def introspect(self, model: object) -> ModelInfo:
        import lightgbm

        name = type(model).__name__
        fitted: Any = model  # lightgbm's types are not imported at module level
        booster = fitted if name == "Booster" else getattr(fitted, "booster_", None)
        if name == "Booster":
            task, classes, methods = _task_of_booster(fitted)
            n_features = int(fitted.num_feature())
            names = fitted.feature_name()
            if names == [f"Column_{i}" for i in range(n_features)]:
                names = None  # LightGBM's own names for an unnamed array
        else:
            if not getattr(fitted, "fitted_", False):
                raise not_fitted(name)
            task, classes, methods = task_of(fitted, name == "LGBMClassifier")
            n_features = int(fitted.n_features_in_)
            names = getattr(fitted, "feature_names_in_", None)
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=lightgbm.__version__,
            model_class=f"lightgbm.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=n_features,
            feature_names=None if names is None else tuple(map(str, names)),
            classes=classes,
            modules=BASE_MODULES,
            categorical_features=_categorical(booster),
        )

    def servable(self, model: object) -> object:
        # A Booster predicts on frames and arrays as it is.
        return model

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """The library's own format, never a pickle, whatever the source."""
        filename = "model.txt"
        fitted: Any = model
        booster = fitted if type(model).__name__ == "Booster" else fitted.booster_
        booster.save_model(str(directory / filename))
        return StoredModel(filename, "native", self.native_format)


def _categorical(booster: Any) -> tuple[str, ...]:
    """Features whose split information lists category values."""
    if booster is None:
        return ()
    described = booster.dump_model(num_iteration=1)["feature_infos"]
    return tuple(name for name, info in described.items() if info.get("values"))


def _task_of_booster(booster: Any) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    description = booster.dump_model(num_iteration=1)
    objective = str(description["objective"]).split()[0]
    if objective in REGRESSION_OBJECTIVES:
        return "regression", (), ("predict",)
    if objective not in CLASSIFIER_OBJECTIVES:
        raise unsupported_objective("LightGBM", objective, FAMILY.supported)
    count = max(int(description["num_class"]), 2)
    return task_of_classes(tuple(range(count)))


FAMILY = LightGBMFamily()
