"""CatBoost: its estimators and native CatBoost models, stored as .cbm."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._explanations import NATIVE_CONTRIBUTIONS, ExplanationPlan
from .._model_info import ModelInfo, StoredModel, Task
from .._onnx import OnnxModel, converting, one_input
from .._schema import InputFact
from ._boosting import (
    not_fitted,
    read_native_file,
    task_of,
    task_of_classes,
    unsupported_objective,
)
from ._family import DistributionFacts

BASE_MODULES = frozenset({"catboost", "numpy"})
ESTIMATORS = ("CatBoostClassifier", "CatBoostRegressor", "CatBoost")
CLASSIFIER_LOSSES = ("Logloss", "CrossEntropy", "MultiClass")
# Losses of ranking models, which have no per-row prediction to serve.
RANKING_MARKS = ("Rank", "Pair", "Query")


class CatBoostFamily:
    name = "catboost"
    library = "catboost"
    supported = (
        "CatBoost's CatBoostClassifier, CatBoostRegressor and CatBoost (losses "
        f"{', '.join(CLASSIFIER_LOSSES)} and regression losses)"
    )
    file_suffixes: tuple[str, ...] = (".cbm",)
    native_format = "CatBoost's own binary format (.cbm)"
    pickle_caveat = ""
    own_report = None
    distributions = DistributionFacts(
        # For plotting (about 150 MB with their own dependencies); `import
        # catboost` imports none of them.
        unused_dependencies={
            "catboost": frozenset({"graphviz", "matplotlib", "plotly"})
        },
    )

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("catboost") and kind.__name__ in ESTIMATORS

    def load_file(self, path: Path) -> object:
        import catboost

        def read(name: str) -> object:
            return catboost.CatBoost().load_model(name)

        return read_native_file(path, "catboost", catboost.__version__, read)

    def explanation(self, model: object) -> ExplanationPlan:
        return ExplanationPlan(NATIVE_CONTRIBUTIONS)

    def introspect(self, model: object) -> ModelInfo:
        import catboost

        name = type(model).__name__
        fitted: Any = model  # catboost's types are not imported at module level
        if not fitted.is_fitted():
            raise not_fitted(name)
        if name == "CatBoost":
            task, classes, methods = _task_of_model(fitted)
        else:
            task, classes, methods = task_of(fitted, name == "CatBoostClassifier")
        names = [str(n) for n in fitted.feature_names_]
        # Fitted on an unnamed array, CatBoost numbers the features itself.
        unnamed = names == [str(i) for i in range(len(names))]
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=catboost.__version__,
            model_class=f"catboost.{name}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=len(names),
            feature_names=None if unnamed else tuple(names),
            classes=classes,
            modules=BASE_MODULES,
            inputs=_input_facts(fitted, len(names)),
        )

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        """CatBoost's own ONNX export, all inputs as one float array."""
        import catboost

        inputs = one_input("features", features, info.estimator)
        fitted: Any = model

        def export() -> bytes:
            with tempfile.TemporaryDirectory() as scratch:
                path = Path(scratch) / "model.onnx"
                fitted.save_model(str(path), format="onnx")
                return path.read_bytes()

        data = converting(f"the {info.estimator}", export)
        converter = f"catboost {catboost.__version__}"
        return OnnxModel.converted(data, inputs, info, converter, "predictions")

    def servable(self, model: object) -> object:
        """A plain CatBoost model as the estimator the service loads it into."""
        if type(model).__name__ != "CatBoost":
            return model
        import catboost

        fitted: Any = model
        task, _, _ = _task_of_model(fitted)
        estimator: Any = (
            catboost.CatBoostRegressor()
            if task == "regression"
            else catboost.CatBoostClassifier()
        )
        with tempfile.TemporaryDirectory() as scratch:
            stored = self.save(fitted, Path(scratch), None)
            estimator.load_model(str(Path(scratch) / stored.filename))
        return estimator

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """The library's own format, never a pickle, whatever the source."""
        filename = "model.cbm"
        fitted: Any = model
        fitted.save_model(str(directory / filename))
        return StoredModel(filename, "native", self.native_format)


def _input_facts(model: Any, count: int) -> tuple[InputFact, ...]:
    """Numbers, and text for categorical and text features.

    CatBoost hashes the values of a categorical feature and keeps no list
    of them; a value it never saw gets the statistics of an unseen one, so
    any text is an answerable input.
    """
    text = set(model.get_cat_feature_indices()) | set(model.get_text_feature_indices())
    return tuple(
        (
            InputFact(
                "string", "object", source="a CatBoost categorical or text feature"
            )
            if index in text
            else InputFact("float", source="a numeric feature of CatBoost")
        )
        for index in range(count)
    )


def _task_of_model(model: Any) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    loss = str(model.get_all_params()["loss_function"]).split(":")[0]
    if any(mark in loss for mark in RANKING_MARKS):
        raise unsupported_objective("CatBoost", loss, FAMILY.supported)
    if loss not in CLASSIFIER_LOSSES:
        return "regression", (), ("predict",)
    return task_of_classes(tuple(model.classes_.tolist()))


FAMILY = CatBoostFamily()
