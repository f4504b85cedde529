"""XGBoost: its scikit-learn estimators and native Boosters, stored as JSON."""

from __future__ import annotations

import json
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

# What loading the stored model needs: XGBoost itself (which uses scipy) and,
# since the service loads it into XGBoost's scikit-learn estimators,
# scikit-learn, which XGBoost only lists as an optional extra.
BASE_MODULES = frozenset({"xgboost", "numpy", "scipy", "sklearn"})
ESTIMATORS = ("XGBClassifier", "XGBRegressor", "Booster")
CLASSIFIER_OBJECTIVES = ("binary:logistic", "multi:softprob", "multi:softmax")
REGRESSION_PREFIXES = ("reg:", "count:")


class XGBoostFamily:
    name = "xgboost"
    library = "xgboost"
    supported = (
        "XGBoost's XGBClassifier, XGBRegressor and Booster (objectives "
        f"{', '.join(CLASSIFIER_OBJECTIVES)}, reg:* and count:poisson)"
    )
    file_suffixes: tuple[str, ...] = (".json", ".ubj")
    native_format = "XGBoost's own JSON format"
    pickle_caveat = ""
    own_report = None
    distributions = DistributionFacts(
        # NVIDIA's NCCL (469 MB installed) serves multi-GPU training only.
        unused_dependencies={
            "xgboost": frozenset({"nvidia-nccl-cu12", "nvidia-nccl-cu13"})
        },
        # The Linux wheel bundles CUDA kernels (228 MB installed); each
        # release is also published built without them (19 MB).
        cpu_builds={"xgboost": "xgboost-cpu"},
    )

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("xgboost.") and kind.__name__ in ESTIMATORS

    def load_file(self, path: Path) -> object:
        import xgboost

        return read_native_file(
            path,
            "xgboost",
            xgboost.__version__,
            lambda name: xgboost.Booster(model_file=name),
            written_by=_written_by(path),
        )

    def explanation(self, model: object) -> ExplanationPlan:
        return ExplanationPlan(NATIVE_CONTRIBUTIONS)

    def introspect(self, model: object) -> ModelInfo:
        import xgboost

        name = type(model).__name__
        fitted: Any = model  # xgboost's types are not imported at module level
        if name == "Booster":
            booster = fitted
            task, classes, methods = _task_of_booster(booster)
        else:
            booster = _booster(fitted, name)
            task, classes, methods = task_of(fitted, name == "XGBClassifier")
        names = booster.feature_names
        n_features = booster.num_features()
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=xgboost.__version__,
            model_class=f"xgboost.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=n_features,
            feature_names=None if names is None else tuple(names),
            classes=classes,
            modules=BASE_MODULES,
            inputs=_input_facts(booster, n_features),
        )

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        """onnxmltools, on a copy of the booster without feature names (it
        reads features as f0, f1, ...), all inputs as one float array."""
        import onnxmltools

        fitted: Any = model
        booster = fitted if type(model).__name__ == "Booster" else fitted.get_booster()
        if "c" in (booster.feature_types or ()):
            raise MljetError(
                f"The {info.estimator} cannot be converted to ONNX: onnxmltools does "
                "not convert XGBoost's categorical splits."
            )
        unnamed = booster.copy()
        unnamed.feature_names = None
        unnamed.feature_types = None
        return onnxmltools_model(onnxmltools.convert_xgboost, unnamed, info, features)

    def servable(self, model: object) -> object:
        """A Booster as the estimator the service loads it into."""
        if type(model).__name__ != "Booster":
            return model
        import xgboost

        booster: Any = model
        task, _, _ = _task_of_booster(booster)
        estimator = (
            xgboost.XGBRegressor() if task == "regression" else xgboost.XGBClassifier()
        )
        estimator.load_model(booster.save_raw("json"))
        return estimator

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """The library's own format, never a pickle, whatever the source."""
        filename = "model.json"
        fitted: Any = model
        fitted.save_model(str(directory / filename))
        return StoredModel(filename, "native", self.native_format)


def _input_facts(booster: Any, count: int) -> tuple[InputFact, ...]:
    """Numbers, and the categories XGBoost keeps for its category features.

    XGBoost (3.1 and later) stores the categories a category column was
    fitted with and re-codes the columns it is given onto them; it hands
    them out as Arrow arrays, so reading them needs pyarrow. Without it a
    sample has to show them.
    """
    kinds = booster.feature_types or ["float"] * count
    if "c" not in kinds:
        return tuple(_NUMBERS for _ in kinds)
    try:
        stored = booster.get_categories(export_to_arrow=True).to_arrow()
        categories = [None if c is None else tuple(c.to_pylist()) for _, c in stored]
    except Exception:
        categories = [None] * len(kinds)
    facts = []
    for kind, values in zip(kinds, categories, strict=True):
        if kind != "c":
            facts.append(_NUMBERS)
        elif values is None:
            facts.append(InputFact(None, "category", source="an XGBoost category"))
        else:
            source = "the categories XGBoost stored"
            facts.append(InputFact("category", "category", values, source))
    return tuple(facts)


_NUMBERS = InputFact("float", source="a numeric feature of XGBoost")


def _written_by(path: Path) -> str | None:
    """The XGBoost version a JSON model file names, if it names one."""
    try:
        version = json.loads(path.read_bytes())["version"]
        return ".".join(str(int(part)) for part in version)
    except Exception:
        return None  # UBJSON, or not a model file: the load error says so


def _booster(model: Any, name: str) -> Any:
    try:
        return model.get_booster()
    except Exception:
        raise not_fitted(name) from None


def _task_of_booster(booster: Any) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    learner = json.loads(booster.save_config())["learner"]
    objective = learner["objective"]["name"]
    if objective.startswith(REGRESSION_PREFIXES):
        return "regression", (), ("predict",)
    if objective not in CLASSIFIER_OBJECTIVES:
        raise unsupported_objective("XGBoost", objective, FAMILY.supported)
    count = max(int(learner["learner_model_param"]["num_class"]), 2)
    return task_of_classes(tuple(range(count)))


FAMILY = XGBoostFamily()
