"""LightGBM: its scikit-learn estimators and native Boosters, stored as text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..._base._errors import MljetError
from .._explanations import NATIVE_CONTRIBUTIONS, ExplanationPlan
from .._model_info import ModelInfo, StoredModel, Task
from .._onnx import OnnxModel
from .._schema import InputFact
from ._boosting import (
    not_fitted,
    onnxmltools_model,
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
    pickle_caveat = ""
    own_report = None
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

    def explanation(self, model: object) -> ExplanationPlan:
        return ExplanationPlan(NATIVE_CONTRIBUTIONS)

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
            inputs=_input_facts(booster, n_features),
        )

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        """onnxmltools, probabilities as a plain tensor, all inputs as one
        float array."""
        import onnxmltools

        fitted: Any = model
        booster = fitted if type(model).__name__ == "Booster" else fitted.booster_
        # The graph splits on the codes of the pandas categories the model
        # was fitted with: the service feeds it those.
        named = [f["name"] for f in features]
        codes = {
            name: tuple(fact.categories)
            for name, fact in zip(named, info.inputs, strict=False)
            if fact.dtype == "category" and fact.categories
        }
        if len(codes) != len(getattr(booster, "pandas_categorical", None) or ()):
            raise MljetError(
                f"The {info.estimator} cannot be converted to ONNX: it splits on "
                "categories whose values it does not keep."
            )
        return onnxmltools_model(
            onnxmltools.convert_lightgbm, model, info, features, codes, zipmap=False
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


def _input_facts(booster: Any, count: int) -> tuple[InputFact, ...]:
    """Numbers, and the pandas categories of a model fitted on a frame.

    LightGBM keeps the categories of each category column it was fitted on
    (`pandas_categorical`, in column order), and maps the columns it is
    given onto them: a value it never saw becomes a missing one.
    """
    if booster is None:
        return ()
    described = booster.dump_model(num_iteration=1)["feature_infos"]
    categorical = [bool(info.get("values")) for info in described.values()]
    known = iter(getattr(booster, "pandas_categorical", None) or ())
    facts = []
    for flag in categorical[:count]:
        values = next(known, None) if flag else None
        if not flag:
            facts.append(InputFact("float", source="a numeric feature of LightGBM"))
        elif values is None:
            # Fitted on integer codes, not a pandas category column.
            facts.append(InputFact("int", "int64", source="a LightGBM category code"))
        else:
            facts.append(
                InputFact(
                    "category",
                    "category",
                    tuple(v.item() if hasattr(v, "item") else v for v in values),
                    "LightGBM's pandas_categorical",
                )
            )
    return tuple(facts)


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
