"""What the boosting libraries' families share: tasks, errors, reading files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..._base._errors import MljetError
from .._model_info import ModelInfo, Task
from .._onnx import GRAPH_NAME, TARGET_OPSET, OnnxModel, converting, one_input


def task_of(
    fitted: Any, classifier: bool
) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    """The task, class labels and prediction methods of a fitted estimator."""
    if not classifier:
        return "regression", (), ("predict",)
    return task_of_classes(tuple(fitted.classes_.tolist()))


def task_of_classes(
    classes: tuple[Any, ...],
) -> tuple[Task, tuple[Any, ...], tuple[str, ...]]:
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    return task, classes, ("predict", "predict_proba")


def not_fitted(name: str) -> MljetError:
    return MljetError(
        f"The {name} is not fitted. Call .fit(X, y) on it before generating a "
        "service."
    )


def unsupported_objective(library: str, objective: str, supported: str) -> MljetError:
    return MljetError(
        f"The {library} model was trained with the objective '{objective}', which "
        f"MLJET does not serve: it serves {supported}."
    )


def read_native_file(
    path: Path,
    library: str,
    version: str,
    read: Callable[[str], object],
    written_by: str | None = None,
) -> object:
    """Read a model file with its library, naming the version on failure.

    A library refuses a file written by a much newer or older version of
    itself with an error of its own, which alone does not tell the user that
    the version is the problem.
    """
    try:
        return read(str(path))
    except Exception as error:
        origin = (
            f"The file says {library} {written_by} wrote it: install that version "
            f"(pip install {library}=={written_by}) and run again."
            if written_by and written_by != version
            else f"If the file was saved by another version of {library}, install "
            f"that version (pip install {library}==VERSION) and run again; "
            f"otherwise check that it is a model file of {library}."
        )
        raise MljetError(
            f"{path} is not a model file {library} {version} can read "
            f"({type(error).__name__}: {str(error).strip()}). {origin}"
        ) from None


def onnxmltools_model(
    convert: Callable[..., Any],
    model: object,
    info: ModelInfo,
    features: Sequence[Mapping[str, Any]],
    codes: Mapping[str, tuple[Any, ...]] | None = None,
    **options: Any,
) -> OnnxModel:
    """A booster converted by onnxmltools' `convert`, every feature in one
    float32 array (`codes`: categorical features, given as their codes)."""
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    inputs = one_input("X", features, info.estimator, codes=codes)
    shape = FloatTensorType([None, len(features)])
    graph = converting(
        f"the {info.estimator}",
        lambda: convert(
            model,
            initial_types=[("X", shape)],
            target_opset=TARGET_OPSET,
            name=GRAPH_NAME,
            **options,
        ),
    )
    converter = f"onnxmltools {onnxmltools.__version__}"
    return OnnxModel.converted(graph.SerializeToString(), inputs, info, converter)
