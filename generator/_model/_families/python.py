"""Any object with a `predict`: a model of the user's own class.

The last family asked, so a library's model is always served by its own.
Its class lives in the user's code (shipped with `--code`), so it is
stored as a pickle, the only format that can hold it, and its schema comes
from the sample: the object says at most how many inputs it takes
(`n_features_in_`) and their names (`feature_names_in_`). It is a
classifier when it names its classes (`classes_`), else a regressor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..._base._errors import MljetError
from .._explanations import ExplanationPlan, no_explainer
from .._model_info import (
    PREDICTION_METHODS,
    ModelInfo,
    StoredModel,
    Task,
)
from .._onnx import OnnxModel
from ._family import DistributionFacts
from ._pickled import stored_as_pickle

# What the adapter needs to load and run any pickled model.
BASE_MODULES = frozenset({"numpy", "joblib"})
PICKLE_REASON = "a model of its own class has no other format that holds it"


class PythonFamily:
    name = "python"
    # The distribution that stores and loads the model: the class is the
    # user's own.
    library = "joblib"
    supported = (
        "any object with a predict(X) method taking a pandas DataFrame or a 2-D "
        "array and returning one value per row (its class shipped with --code, "
        "served with --sample)"
    )
    file_suffixes: tuple[str, ...] = ()
    native_format = ""
    pickle_caveat = ""
    own_report = None
    distributions = DistributionFacts()

    def supports(self, model: object) -> bool:
        return callable(getattr(model, "predict", None))

    def introspect(self, model: object) -> ModelInfo:
        import joblib

        kind = type(model)
        methods = tuple(
            m for m in PREDICTION_METHODS if callable(getattr(model, m, None))
        )
        raw_classes = getattr(model, "classes_", None)
        classes: tuple[Any, ...] = ()
        task: Task = "regression"
        if raw_classes is not None:
            classes = tuple(
                c.item() if hasattr(c, "item") else c for c in list(raw_classes)
            )
            if len(classes) < 2:
                raise MljetError(
                    f"The {kind.__name__}'s classes_ lists {len(classes)} class(es); "
                    "a classifier needs at least two."
                )
            task = "binary" if len(classes) == 2 else "multiclass"
        else:
            # Without class labels, scores cannot be labelled: a regressor.
            methods = ("predict",)
        count = getattr(model, "n_features_in_", None)
        names = getattr(model, "feature_names_in_", None)
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=joblib.__version__,
            model_class=f"{kind.__module__}.{kind.__qualname__}",
            estimator=f"{kind.__name__} (a class of your own)",
            task=task,
            methods=methods,
            # 0: the object does not say; the sample's columns will.
            n_features=count if isinstance(count, int) else 0,
            feature_names=None if names is None else tuple(map(str, names)),
            classes=classes,
            modules=BASE_MODULES | {kind.__module__.split(".")[0]},
        )

    def load_file(self, path: Path) -> object:
        raise MljetError(f"A model of your own class is read from a pickle: {path}")

    def explanation(self, model: object) -> ExplanationPlan:
        return no_explainer(
            "a model of its own class has no exact explainer MLJET knows"
        )

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        raise MljetError(
            f"The {info.estimator} cannot be converted to ONNX: no converter knows "
            "a class of your own. Serve it with --runtime native."
        )

    def servable(self, model: object) -> object:
        return model

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """A pickle: the user's own file byte for byte, else joblib's."""
        return stored_as_pickle(model, directory, source, PICKLE_REASON)


FAMILY = PythonFamily()
