"""A model converted to ONNX, and how closely it answers like the model.

Each family converts its own models (`ModelFamily.to_onnx`) with the
maintained converter of its library; what they return is an `OnnxModel`:
the serialized graph, which features go into which of its inputs (and as
which element type), and which outputs hold labels and scores. ONNX tree
ensembles hold float32 thresholds and most converted steps compute in
float32, so scores may differ from the model's in their last digits:
`compare` measures by how much (relative to the largest of the model's
values, at least 1), and whether any label differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._base._errors import MljetError

if TYPE_CHECKING:
    # Imported where used: the options import this module for RUNTIMES.
    import numpy as np
    import pandas as pd

    from ._model_info import ModelInfo

# What can run the model in the service: its own library, or ONNX Runtime.
RUNTIMES = ("native", "onnx")
# The service's adapter of a converted model, whatever its family.
ADAPTER = (
    "template/src/{{package_name}}/mljet/"
    "{% if model_runtime == 'onnx' %}model_adapter.py{% endif %}"
)
# Scores of a converted model may differ from the model's by this much by
# default: measured across the families (docs/runtimes.md).
DEFAULT_ONNX_TOLERANCE = 1e-3
Element = Literal["float64", "float32", "int64", "bool", "string"]
# Numbers in double precision where a converted graph runs in it, else float32.
PRECISIONS: tuple[Literal["float64", "float32"], ...] = ("float64", "float32")
# The converters name a graph at random unless told: a fixed name makes the
# same model give the same file.
GRAPH_NAME = "model"
# Opsets the converters and ONNX Runtime agree on (onnxmltools stops at 15).
TARGET_OPSET = 15


@dataclass(frozen=True)
class OnnxInput:
    """One input of the graph: the features it takes, as one element type.

    A pipeline whose first step routes columns (a ColumnTransformer) takes
    one input per feature; other models take one 2-D input of all features.
    """

    name: str
    features: tuple[str, ...]
    element: Element
    # Features given to the graph as category codes: a value's position in
    # the categories the model was fitted with, any other value (or none)
    # a missing one, as the model itself treats it.
    codes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class OnnxModel:
    """A converted model. `labels` and `scores` name its outputs (labels
    only for classifiers: `scores` are then probabilities, else values)."""

    data: bytes
    inputs: tuple[OnnxInput, ...]
    labels: str | None
    scores: str
    converter: str

    @classmethod
    def converted(
        cls,
        data: bytes,
        inputs: tuple[OnnxInput, ...],
        info: ModelInfo,
        converter: str,
        values: str = "variable",
    ) -> OnnxModel:
        """A converter's usual outputs: `label` and `probabilities` for a
        classifier, `values` for a regressor."""
        if info.task == "regression":
            return cls(data, inputs, None, values, converter)
        return cls(data, inputs, "label", "probabilities", converter)


@dataclass(frozen=True)
class Parity:
    """How the converted model answered rows, beside the model itself."""

    rows: int
    labels_equal: bool
    max_deviation: float

    def passes(self, tolerance: float) -> bool:
        """Whether the gate lets the converted model serve: the same labels,
        scores within `tolerance`."""
        return self.labels_equal and self.max_deviation <= tolerance

    def describe(self) -> str:
        """The line a passed gate prints."""
        return (
            f"the same labels, scores within {self.max_deviation:.2g} on "
            f"{self.rows} rows"
        )


Converted = TypeVar("Converted")


def onnx_installed() -> bool:
    return not _missing_onnx_modules()


def _missing_onnx_modules() -> list[str]:
    import importlib.util

    return [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]


@dataclass(frozen=True)
class Gain:
    """How much faster the converted model answered, and how alike."""

    method: str
    rows: int
    speedup: float
    parity: Parity


def measured_gain(
    native: Any, model: OnnxModel, frame: pd.DataFrame, info: ModelInfo
) -> Gain:
    """The converted model beside the model on the rows of `frame` (at most
    100; columns named as the features): the parity, and the ratio of their
    median times of one call."""
    import statistics
    import time

    from ._sample import model_given

    rows = frame.head(100)
    given = model_given(info, rows)
    method = "predict_proba" if hasattr(native, "predict_proba") else "predict"
    run = session(model)

    def median(call: Callable[[], Any]) -> float:
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            call()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    mine = median(lambda: getattr(native, method)(given))
    theirs = median(lambda: answers(model, run, rows, info.classes))
    parity = compare(native, model, rows, info)
    return Gain(method, len(rows), mine / max(theirs, 1e-9), parity)


def check_onnx_installed() -> None:
    """Refuse --runtime onnx before the model loads where it cannot run."""
    missing = _missing_onnx_modules()
    if missing:
        raise MljetError(
            f"--runtime onnx needs {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed here: "
            "pip install 'mljet[onnx]'."
        )


def converting(step: str, convert: Callable[[], Converted]) -> Converted:
    """`convert()`, its failure a MljetError naming `step` and the reason."""
    try:
        return convert()
    except ImportError as error:
        raise MljetError(
            f"Converting {step} to ONNX needs {error.name or 'a converter'}, which "
            "is not installed: pip install 'mljet[onnx]'."
        ) from None
    # Converters raise many types; each says which step and why.
    except Exception as error:
        raise MljetError(
            f"{step} cannot be converted to ONNX: {_reason(error)}. Serve it "
            "with --runtime native."
        ) from None


# A converter's reason, at most this long: the first words of a longer one
# (a node's whole attributes, say) tell it.
REASON_CHARACTERS = 400
_UNMADE_NODE = re.compile(r"Unable to create node '([^']+)'")


def _reason(error: BaseException) -> str:
    """Why a conversion failed, in one paragraph: the error at the root of
    the chain (onnx's "Unable to create node" wraps the real one, after the
    node's whole attributes), and the node it was making."""
    root = error
    while (cause := root.__cause__ or root.__context__) is not None:
        root = cause
    making = _UNMADE_NODE.match(str(error))
    where = f"making its {making[1]} node, " if making and root is not error else ""
    text = " ".join(str(root).split()) or "no reason given"
    if len(text) > REASON_CHARACTERS:
        text = text[: REASON_CHARACTERS - 3] + "..."
    return f"{where}{type(root).__name__}: {text.rstrip('.')}"


def element_of(
    kind: str, categories: Sequence[Any] = (), precision: Element = "float32"
) -> Element:
    """The element type a feature of this JSON kind is handed to ONNX as,
    numbers in `precision`."""
    if kind in ("category", "string"):
        if all(isinstance(c, str) for c in categories):
            return "string"
        return "int64" if all(isinstance(c, int) for c in categories) else precision
    # Integers go in as floats, which hold a missing value (an integer
    # tensor cannot) and, even in float32, every integer up to 2**24 exactly;
    # the model computes with them as floats. The parity gate catches more.
    elements: dict[str, Element] = {"float": precision, "int": precision}
    return elements.get(kind, "bool")


def feeds(model: OnnxModel, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The graph's inputs for the rows of `frame` (columns named as features)."""
    fed: dict[str, np.ndarray] = {}
    for spec in model.inputs:
        block = frame[list(spec.features)]
        if spec.codes:
            block = block.astype(object)
            for column, categories in spec.codes.items():
                block[column] = block[column].map(_coder(categories))
        if spec.element == "string":
            values = block.astype(object).where(block.notna(), "").astype(str)
            fed[spec.name] = values.to_numpy(dtype=object)
        else:
            fed[spec.name] = block.to_numpy(dtype=spec.element)
    return fed


def _coder(categories: tuple[Any, ...]) -> Callable[[Any], Any]:
    position = {value: code for code, value in enumerate(categories)}
    return lambda value: position.get(value, float("nan"))


def session(model: OnnxModel) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # Errors only: converted graphs declare output shapes loosely, which
    # ONNX Runtime warns about on every call.
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        model.data, options, providers=["CPUExecutionProvider"]
    )


def answers(
    model: OnnxModel, run: Any, frame: pd.DataFrame, classes: Sequence[Any]
) -> tuple[np.ndarray | None, np.ndarray]:
    """Labels (classifiers) and scores, as arrays, for the rows of `frame`."""
    import numpy as np

    names = [model.labels, model.scores] if model.labels else [model.scores]
    outputs = run.run(names, feeds(model, frame))
    scores = outputs[-1]
    if isinstance(scores, list):
        # A ZipMap output: one {class: probability} per row.
        scores = np.array([[row[c] for c in classes] for row in scores])
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(outputs[0]).reshape(len(frame)) if model.labels else None
    if labels is None:
        scores = scores.reshape(len(frame))
    elif classes and all(isinstance(c, (bool, np.bool_)) for c in classes):
        # ONNX has no boolean labels: a classifier of booleans answers 0
        # and 1, which the service turns back into them too.
        labels = labels.astype(bool)
    return labels, scores


def compare(
    native: Any, model: OnnxModel, frame: pd.DataFrame, info: ModelInfo
) -> Parity:
    """The converted model beside the model itself, on the rows of `frame`
    (columns named as the features, in the model's order)."""
    import numpy as np

    from ._sample import model_given

    given = model_given(info, frame)
    labels, scores = answers(model, session(model), frame, info.classes)
    if labels is None:
        expected = np.asarray(native.predict(given), dtype=np.float64).reshape(-1)
        return Parity(len(frame), True, _deviation(expected, scores))
    if hasattr(native, "predict_proba"):
        probabilities = np.asarray(native.predict_proba(given), dtype=np.float64)
        expected_labels = np.asarray(native.predict(given)).reshape(-1)
    else:
        # A native booster: its predict gives the probabilities (of the
        # second class alone, for two classes).
        probabilities = np.asarray(native.predict(given), dtype=np.float64)
        if probabilities.ndim == 1:
            probabilities = np.column_stack([1 - probabilities, probabilities])
        expected_labels = np.asarray(info.classes)[probabilities.argmax(axis=1)]
    same = [str(a) for a in expected_labels] == [str(b) for b in labels]
    return Parity(len(frame), same, _deviation(probabilities, scores))


def answer_deviation(found: Any, expected: Any, scale: float) -> tuple[bool, float]:
    """One answer of a client beside the model's, as JSON values: whether a
    label matches, and how far a score is, relative to `scale`."""
    if isinstance(expected, dict):
        if not isinstance(found, dict) or found.keys() != expected.keys():
            return False, 0.0
        offs = [answer_deviation(found[k], v, scale) for k, v in expected.items()]
        return all(same for same, _ in offs), max((off for _, off in offs), default=0.0)
    if isinstance(expected, float) and isinstance(found, (int, float)):
        return True, abs(found - expected) / scale
    return bool(found == expected), 0.0


def scale_of(answers: Iterable[Any]) -> float:
    """What differences are relative to: the largest score in `answers`
    (JSON values), at least 1 (so probabilities compare as they are)."""
    largest = 1.0
    for answer in answers:
        values = answer.values() if isinstance(answer, dict) else (answer,)
        for value in values:
            if isinstance(value, float):
                largest = max(largest, abs(value))
    return largest


def check_parity(parity: Parity, tolerance: float, rows: str) -> None:
    """The parity gate: a MljetError unless labels match and scores are
    within `tolerance`."""
    if not parity.labels_equal:
        raise MljetError(
            f"The model converted to ONNX gives other labels than the model on "
            f"{rows}: it cannot serve in its place. Serve it with --runtime native."
        )
    if not parity.passes(tolerance):
        raise MljetError(
            f"The model converted to ONNX answers {rows} with scores up to "
            f"{parity.max_deviation:.3g} away from the model's, beyond the "
            f"tolerance of {tolerance:g}: raise --onnx-tolerance if that is "
            "acceptable, or serve it with --runtime native."
        )


def _deviation(expected: np.ndarray, found: np.ndarray) -> float:
    """The largest difference, relative to the largest of the model's values
    (at least 1): float32 keeps about 7 significant digits of the largest
    magnitudes a graph sums, whatever the scale of a regression's values."""
    import numpy as np

    if not expected.size:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(expected))))
    return float(np.max(np.abs(expected - found))) / scale


def per_feature_inputs(
    features: Sequence[Mapping[str, Any]], precision: Element = "float32"
) -> tuple[OnnxInput, ...]:
    """One input per feature, named after it."""
    return tuple(
        OnnxInput(
            f["name"],
            (f["name"],),
            element_of(f["kind"], f.get("categories", ()), precision),
        )
        for f in features
    )


def one_input(
    name: str,
    features: Sequence[Mapping[str, Any]],
    step: str,
    precision: Element = "float32",
    codes: Mapping[str, tuple[Any, ...]] | None = None,
) -> tuple[OnnxInput, ...]:
    """A single 2-D input of every feature, which must all be numbers (or
    categories given as their codes)."""
    coded = dict(codes or {})
    text = [
        f["name"]
        for f in features
        if f["kind"] in ("string", "category") and f["name"] not in coded
    ]
    numeric = [
        f["name"]
        for f in features
        if f["kind"] == "category"
        and all(isinstance(c, (int, float)) for c in f.get("categories", ()))
    ]
    texts = sorted(set(text) - set(numeric))
    if texts:
        raise MljetError(
            f"The {step} cannot be converted to ONNX: its converted graph takes "
            f"every input as one array of numbers, and these take text: "
            f"{', '.join(texts)}."
        )
    names = tuple(f["name"] for f in features)
    return (OnnxInput(name, names, precision, coded),)
