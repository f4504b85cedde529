"""scikit-learn estimators and pipelines: classifiers and regressors."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..._base._errors import MljetError
from .._explanations import LINEAR_EXACT, TREE_SHAP, ExplanationPlan, no_explainer
from .._model_info import (
    PICKLE_FORMAT,
    PREDICTION_METHODS,
    SKOPS_FORMAT,
    ModelInfo,
    StoredModel,
    Task,
)
from .._onnx import (
    GRAPH_NAME,
    PRECISIONS,
    TARGET_OPSET,
    OnnxInput,
    OnnxModel,
    converting,
    one_input,
    per_feature_inputs,
    session,
)
from ._family import DistributionFacts
from ._sklearn_inputs import first_step, sklearn_input_facts
from ._skops import dump_with_skops

# What every scikit-learn model needs at load time, beyond its own classes.
BASE_MODULES = frozenset({"sklearn", "numpy", "scipy", "joblib"})


class SklearnFamily:
    name = "sklearn"
    library = "scikit-learn"
    supported = (
        "scikit-learn classifiers and regressors, alone or as the last step of a "
        "Pipeline"
    )
    # Pickles are read by `_loading`, after their scan, for every family.
    file_suffixes: tuple[str, ...] = ()
    native_format = ""
    pickle_caveat = ""
    own_report = None
    distributions = DistributionFacts()

    def supports(self, model: object) -> bool:
        if not type(model).__module__.startswith("sklearn."):
            return False
        from sklearn.base import BaseEstimator

        return isinstance(model, BaseEstimator)

    def introspect(self, model: object) -> ModelInfo:
        import sklearn
        from sklearn.base import is_classifier, is_regressor
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        name = _estimator_name(model)
        try:
            check_is_fitted(model)
        except NotFittedError:
            raise MljetError(
                f"The {name} is not fitted. Call .fit(X, y) on it before "
                "generating a service."
            ) from None
        task: Task
        classes: tuple[Any, ...] = ()
        if is_classifier(model):
            raw_classes = getattr(model, "classes_", None)
            if raw_classes is None or isinstance(raw_classes, list):
                raise MljetError(
                    f"The {name} is a multi-output classifier, which MLJET does not "
                    f"serve yet. Supported: {self.supported}."
                )
            classes = tuple(raw_classes.tolist())
            task = "binary" if len(classes) == 2 else "multiclass"
            methods = tuple(m for m in PREDICTION_METHODS if hasattr(model, m))
        elif is_regressor(model):
            task = "regression"
            methods = ("predict",)
        else:
            raise MljetError(
                f"The {name} is neither a classifier nor a regressor, so it has no "
                f"predictions to serve. Supported: {self.supported}."
            )
        n_features = getattr(model, "n_features_in_", None)
        if not isinstance(n_features, int):
            raise MljetError(
                f"The {name} does not say how many features it takes "
                "(no n_features_in_), so MLJET cannot type its API."
            )
        names = getattr(model, "feature_names_in_", None)
        kind = type(model)
        return ModelInfo(
            family=self.name,
            library=self.library,
            library_version=sklearn.__version__,
            model_class=f"{kind.__module__}.{kind.__qualname__}",
            estimator=name,
            task=task,
            methods=methods,
            n_features=n_features,
            feature_names=None if names is None else tuple(map(str, names)),
            classes=classes,
            modules=BASE_MODULES | _modules_of(model),
            # An array model's inputs are numbers, whatever its steps do.
            inputs=() if names is None else sklearn_input_facts(model, n_features),
        )

    def load_file(self, path: Path) -> object:
        raise MljetError(f"scikit-learn has no model file format of its own: {path}")

    def explanation(self, model: object) -> ExplanationPlan:
        return _explanation(model)

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        """skl2onnx, probabilities as a plain tensor (no ZipMap).

        A pipeline whose first step is a ColumnTransformer takes a column
        per feature, each in its own type; other models one array. Numbers
        go in as float64 where every converted step runs in double precision
        in ONNX Runtime (a logistic regression, a forest's thresholds), the
        exact path; else as float32.
        """
        import skl2onnx

        routed = type(first_step(model)).__name__ == "ColumnTransformer"
        for precision in PRECISIONS:
            if routed:
                inputs = per_feature_inputs(features, precision)
            else:
                inputs = one_input("X", features, info.estimator, precision)
            graph = _converted(model, info, inputs)
            if precision == "float32" or _runs(graph):
                break
        exact = " in double precision" if precision == "float64" else ""
        converter = f"skl2onnx {skl2onnx.__version__}{exact}"
        return OnnxModel.converted(graph, inputs, info, converter)

    def servable(self, model: object) -> object:
        return model

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """skops where every type in the model is trusted; else a pickle."""
        dump = dump_with_skops(model)
        if dump.data is not None:
            (directory / "model.skops").write_bytes(dump.data)
            return StoredModel(
                "model.skops", "skops", SKOPS_FORMAT, trusted_types=dump.trusted_types
            )
        if source is not None:
            # The user's own pickle, byte for byte: the one that was scanned.
            suffix = ".joblib" if source.suffix.lower() == ".joblib" else ".pkl"
            filename = f"model{suffix}"
            shutil.copyfile(source, directory / filename)
        else:
            import joblib

            filename = "model.joblib"
            joblib.dump(model, directory / filename)
        return StoredModel(
            filename, "pickle", PICKLE_FORMAT, pickle_reason=dump.refusal
        )


def _converted(model: object, info: ModelInfo, inputs: tuple[OnnxInput, ...]) -> bytes:
    import skl2onnx
    from skl2onnx.common import data_types

    types = {
        "float64": data_types.DoubleTensorType,
        "float32": data_types.FloatTensorType,
        "int64": data_types.Int64TensorType,
        "bool": data_types.BooleanTensorType,
        "string": data_types.StringTensorType,
    }
    initial = [(i.name, types[i.element]([None, len(i.features)])) for i in inputs]
    options = {"zipmap": False} if info.task != "regression" else None
    graph = converting(
        f"the {info.estimator}",
        lambda: skl2onnx.convert_sklearn(
            model,
            initial_types=initial,
            options={id(model): options} if options else None,
            target_opset={"": TARGET_OPSET, "ai.onnx.ml": 3},
            name=GRAPH_NAME,
        ),
    )
    data: bytes = graph.SerializeToString()
    double = all(i.element == "float64" for i in inputs)
    return _trees_as_fitted(data, model, exact_thresholds=double)


def _trees_as_fitted(graph: bytes, model: object, *, exact_thresholds: bool) -> bytes:
    """The trees of a converted forest or tree, split as scikit-learn's are.

    - A missing value goes to the child each node learned
      (`missing_go_to_left`): skl2onnx writes that for a single tree but not
      for the trees of a forest, whose graph would send every one right.
    - With `exact_thresholds` (a graph reading numbers in double precision),
      each node's threshold is the model's own float64: skl2onnx writes
      float32 ones, which round some thresholds across values the model
      splits on (measured: a 50-tree forest one tree's vote, 0.02, off on
      features near 1e5).
    """
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    trees = [
        tree.tree_
        for tree in getattr(estimator, "estimators_", [estimator])
        if hasattr(tree, "tree_")
    ]
    if not trees:
        return graph
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    parsed = onnx.load_from_string(graph)
    for node in parsed.graph.node:
        if not node.op_type.startswith("TreeEnsemble"):
            continue
        attributes = {a.name: a for a in node.attribute}
        at = list(
            zip(
                attributes["nodes_treeids"].ints,
                attributes["nodes_nodeids"].ints,
                strict=True,
            )
        )
        leaves = [mode == b"LEAF" for mode in attributes["nodes_modes"].strings]
        if all(hasattr(t, "missing_go_to_left") for t in trees):
            sides = [
                0 if leaf else int(trees[tree].missing_go_to_left[node_id])
                for leaf, (tree, node_id) in zip(leaves, at, strict=True)
            ]
            _replace(node, attributes, "nodes_missing_value_tracks_true", sides)
        if exact_thresholds and "nodes_values" in attributes:
            thresholds = np.array(
                [
                    0.0 if leaf else trees[tree].threshold[node_id]
                    for leaf, (tree, node_id) in zip(leaves, at, strict=True)
                ],
                dtype=np.float64,
            )
            node.attribute.remove(attributes["nodes_values"])
            tensor = numpy_helper.from_array(thresholds)
            node.attribute.append(
                helper.make_attribute("nodes_values_as_tensor", tensor)
            )
            # Thresholds as a tensor came with version 3 of ONNX-ML.
            for opset in parsed.opset_import:
                if opset.domain == "ai.onnx.ml" and opset.version < 3:
                    opset.version = 3
    fitted: bytes = parsed.SerializeToString()
    return fitted


def _replace(node: Any, attributes: dict[str, Any], name: str, value: Any) -> None:
    from onnx import helper

    if name in attributes:
        node.attribute.remove(attributes[name])
    node.attribute.append(helper.make_attribute(name, value))


def _runs(graph: bytes) -> bool:
    """Whether ONNX Runtime has a kernel for every node, in its types."""
    try:
        session(OnnxModel(graph, (), None, "", ""))
    # ONNX Runtime says "not implemented" or a type error for a graph whose
    # double-precision nodes it lacks.
    except Exception:
        return False
    return True


def _explanation(model: object) -> ExplanationPlan:
    """A linear last step exactly, from its coefficients; any other by
    TreeSHAP (shap's TreeExplainer reads the trees of scikit-learn and of
    the boosting libraries; the explain hook finds out)."""
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    if hasattr(estimator, "coef_") and hasattr(estimator, "intercept_"):
        return ExplanationPlan(LINEAR_EXACT)
    if importlib.util.find_spec("shap") is None:
        return no_explainer(
            f"explaining a {type(estimator).__name__} takes TreeSHAP from the shap "
            "library, which is not installed beside the model: pip install shap, "
            "then generate again for /explain"
        )
    return ExplanationPlan(TREE_SHAP)


def _estimator_name(model: object) -> str:
    steps = getattr(model, "steps", None)
    if isinstance(steps, list):
        inner = ", ".join(type(step).__name__ for _, step in steps)
        return f"{type(model).__name__}({inner})"
    return type(model).__name__


def _modules_of(model: object) -> frozenset[str]:
    """Top-level modules of every estimator nested in the model's parameters."""
    found = {type(model).__module__.split(".")[0]}
    get_params = getattr(model, "get_params", None)
    if callable(get_params):
        for value in get_params(deep=True).values():
            module = type(value).__module__
            if module != "builtins":
                found.add(module.split(".")[0])
    return frozenset(found)


FAMILY = SklearnFamily()
