"""LightAutoML: a fitted TabularAutoML or TabularUtilizedAutoML, pickled.

LightAutoML has no model format of its own: a fitted preset is saved and
loaded with joblib, so the service stores a pickle. What the preset takes
is in its reader: the features it uses and the role it gave each
(numeric, category, datetime, text), the task, and for classifiers the
mapping from labels to the columns of its scores. The classes are served
in that mapping's order; `predict` answers the label of the most probable
class, as the service's adapter does (`AutoMLAnswers` in the template).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._base._errors import MljetError
from .._explanations import ExplanationPlan, no_explainer
from .._model_info import ModelInfo, StoredModel, Task
from .._onnx import OnnxModel
from .._schema import InputFact
from ._family import DistributionFacts, OwnReport
from ._pickled import stored_as_pickle

BASE_MODULES = frozenset({"lightautoml", "joblib", "numpy", "pandas"})
PRESETS = ("TabularAutoML", "TabularUtilizedAutoML")
# LightAutoML's task names, as the service's.
TASKS: dict[str, Task] = {
    "binary": "binary",
    "multiclass": "multiclass",
    "reg": "regression",
}
PICKLE_REASON = "LightAutoML saves a fitted preset only as a pickle"
NUMERIC = InputFact("float", source="a numeric feature of LightAutoML's reader")
DATETIME = InputFact(
    "string", "object", source="a datetime feature of LightAutoML's reader (as text)"
)
# A category's values are not kept by the reader: the sample shows them.
CATEGORY = InputFact(
    None, "object", source="a category feature of LightAutoML's reader"
)


class LightAutoMLFamily:
    name = "lightautoml"
    library = "lightautoml"
    supported = (
        "LightAutoML's TabularAutoML and TabularUtilizedAutoML, fitted for a "
        "binary, multiclass or regression task on numeric, category and "
        "datetime features (a joblib or pickle file)"
    )
    file_suffixes: tuple[str, ...] = ()
    native_format = ""
    distributions = DistributionFacts()
    pickle_caveat = (
        "LightAutoML's presets need them: they pickle builtins.getattr, and "
        "torch's tensors through torch's own unpickler, whose bytes no scan "
        "reads, so MLJET cannot check that loading it runs nothing else"
    )
    own_report = OwnReport(
        writer="LightAutoML's ReportDeco (its output_path), once its "
        "fit_predict (and any predict) has run",
        page="lama_interactive_report.html",
        path="/report/lightautoml/",
    )

    def supports(self, model: object) -> bool:
        kind = type(model)
        return kind.__module__.startswith("lightautoml.") and kind.__name__ in PRESETS

    def introspect(self, model: object) -> ModelInfo:
        import lightautoml

        name = type(model).__name__
        reader = _reader(model, name)
        task_name = str(reader.task.name)
        if task_name not in TASKS:
            raise MljetError(
                f"The {name} was fitted for LightAutoML's '{task_name}' task; MLJET "
                f"serves {', '.join(TASKS)} tasks, one answer per row."
            )
        roles = {
            str(n): r for n, r in reader.roles.items() if n in reader.used_features
        }
        facts = [_input_fact(feature, role, name) for feature, role in roles.items()]
        task = TASKS[task_name]
        classes = _classes(reader, task)
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=lightautoml.__version__,
            model_class=f"{type(model).__module__}.{name}",
            estimator=name,
            task=task,
            methods=(
                ("predict",) if task == "regression" else ("predict", "predict_proba")
            ),
            n_features=len(roles),
            feature_names=tuple(roles),
            classes=classes,
            modules=BASE_MODULES,
            inputs=tuple(facts),
        )

    def load_file(self, path: Path) -> object:
        raise MljetError(
            f"A LightAutoML model is read from a joblib or pickle file: {path}"
        )

    def explanation(self, model: object) -> ExplanationPlan:
        return no_explainer(
            "LightAutoML blends several models behind its own feature pipelines, "
            "and no method MLJET knows explains the blend exactly"
        )

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        raise MljetError(
            f"The {info.estimator} cannot be converted to ONNX: no converter knows "
            "LightAutoML's pipelines. Serve it with --runtime native."
        )

    def servable(self, model: object) -> object:
        info = self.introspect(model)
        return _Answers(model, info.classes)

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """A pickle: the user's own file byte for byte, else joblib's."""
        return stored_as_pickle(_unwrapped(model), directory, source, PICKLE_REASON)


class _Answers:
    """The preset's answers as the service gives them (see the module)."""

    def __init__(self, automl: Any, classes: tuple[Any, ...]) -> None:
        self._automl = automl
        self.classes_ = np.asarray(classes, dtype=object)

    def predict_proba(self, frame: Any) -> np.ndarray[Any, Any]:
        scores = np.asarray(self._automl.predict(frame).data)
        if len(self.classes_) == 2:
            return np.hstack([np.float32(1) - scores, scores])
        return scores

    def predict(self, frame: Any) -> np.ndarray[Any, Any]:
        if not len(self.classes_):
            return np.asarray(self._automl.predict(frame).data)[:, 0]
        labels: np.ndarray[Any, Any] = self.classes_[
            self.predict_proba(frame).argmax(axis=1)
        ]
        return labels


def _unwrapped(model: object) -> object:
    """The preset itself, whether given so or as its describe-time wrapper."""
    return model._automl if isinstance(model, _Answers) else model


def _reader(model: Any, name: str) -> Any:
    """The reader of the preset, or of the first preset a utilized one holds."""
    reader = getattr(model, "reader", None)
    if reader is None:
        # TabularUtilizedAutoML: presets fitted with several configurations,
        # on the same data, each with its reader.
        pipes = getattr(model, "outer_pipes", None) or []
        presets = [
            preset
            for pipe in pipes
            for algo in pipe.ml_algos
            for fold in algo.models
            for preset in fold
        ]
        reader = next((getattr(p, "reader", None) for p in presets), None)
    if reader is None or not getattr(reader, "roles", None):
        raise MljetError(
            f"The {name} is not fitted (its reader has no roles): call "
            "fit_predict before saving it."
        )
    return reader


def _input_fact(feature: str, role: Any, estimator: str) -> InputFact:
    kind = str(getattr(role, "name", type(role).__name__))
    if kind == "Numeric":
        return NUMERIC
    if kind == "Category":
        return CATEGORY
    if kind == "Datetime":
        return DATETIME
    raise MljetError(
        f"The {estimator} reads feature '{feature}' with LightAutoML's {kind} "
        "role, which needs LightAutoML's text or image extras (language models, "
        "embeddings) at serving; MLJET serves numeric, category and datetime "
        "features. Fit it without that role (roles={'drop': [...]}) to serve it."
    )


def _classes(reader: Any, task: Task) -> tuple[Any, ...]:
    """The labels in the order of the scores' columns (the reader's mapping;
    without one, the labels were already 0..k-1)."""
    if task == "regression":
        return ()
    mapping = getattr(reader, "class_mapping", None)
    if mapping:
        ordered = sorted(mapping.items(), key=lambda item: int(item[1]))
        return tuple(_plain(label) for label, _ in ordered)
    count = 2 if task == "binary" else int(reader._n_classes)
    return tuple(range(count))


def _plain(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


FAMILY = LightAutoMLFamily()
