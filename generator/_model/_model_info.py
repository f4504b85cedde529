"""What the generator learns about a model, independent of its library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._schema import InputFact

Task = Literal["binary", "multiclass", "regression"]
PREDICTION_METHODS: tuple[str, ...] = ("predict", "predict_proba", "decision_function")
# How a model file is kept in the service: the library's own format, skops'
# format, or a pickle, the last resort; and how the README names the latter two.
Storage = Literal["native", "skops", "pickle", "onnx"]
SKOPS_FORMAT = "skops' format"
PICKLE_FORMAT = "a pickle"


@dataclass(frozen=True)
class ModelInfo:
    """The introspected facts a service is generated from.

    `feature_names` are the names the model was fitted with (scikit-learn's
    `feature_names_in_`), or None when it was fitted on an unnamed array; in
    that case the service still names its features (`f0..fN-1`, or the
    sample's columns) but hands the model a plain array.
    `modules` are the top-level modules the model needs at load time, used
    for the requirements. `inputs` holds, per model input in order, what the
    fitted model says about it (empty when it says nothing beyond its
    count: an array model, whose inputs are numbers).
    """

    family: str
    library: str
    library_version: str
    model_class: str
    estimator: str
    task: Task
    methods: tuple[str, ...]
    n_features: int
    feature_names: tuple[str, ...] | None
    classes: tuple[Any, ...]
    modules: frozenset[str]
    inputs: tuple[InputFact, ...] = ()


@dataclass(frozen=True)
class StoredModel:
    """The model file a family wrote into the service, and how it is read.

    `format_name` is how the service's README names a `native` file's format.
    `trusted_types` are the types skops does not trust by default that the
    family reviewed and the service passes to `skops.io.load`;
    `pickle_reason` says why the last resort, a pickle, was needed.
    """

    filename: str
    storage: Storage
    format_name: str
    trusted_types: tuple[str, ...] = ()
    pickle_reason: str = ""

    @property
    def is_pickle(self) -> bool:
        return self.storage == "pickle"
