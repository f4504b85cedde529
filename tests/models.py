"""Small, deterministic models and samples the tests generate services for."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from generator._model._families import FAMILIES
from user_steps import fail_on_thirteen


@dataclass(frozen=True)
class Listed:
    """A case in the catalog: what it is, before anything is fitted.

    `family` is the model family that must serve it (a test checks that it
    does); `native` cases are given to the generator as their library's own
    file; `extra` cases are for particular tests, not the contract matrix.
    """

    name: str
    family: str
    task: str
    native: bool = False
    extra: bool = False
    representative: bool = False
    fidelity: bool = False
    # Whether its library's ONNX converter takes it (test_onnx).
    onnx: bool = True


CATALOG: dict[str, Listed] = {}
_MAKERS: dict[str, Any] = {}


def listed(family: str, task: str, **kind: bool):  # type: ignore[no-untyped-def]
    """Add the decorated case maker to the catalog under its own name.

    `representative=True` marks the family's most demanding case, the one
    each backend and each image is proved with.
    """

    def register(maker: Any) -> Any:
        CATALOG[maker.__name__] = Listed(maker.__name__, family, task, **kind)
        _MAKERS[maker.__name__] = maker
        return maker

    return register


def representative(family: str) -> str:
    (found,) = [
        c.name for c in CATALOG.values() if c.family == family and c.representative
    ]
    return found


def fidelity_case(family: str) -> str:
    """The family's case whose sample lacks what the model accepts."""
    (found,) = [c.name for c in CATALOG.values() if c.family == family and c.fidelity]
    return found


def cases(*, family: str | None = None, native: bool | None = None) -> list[str]:
    """Names of the contract cases, optionally of one family or kind."""
    return [
        case.name
        for case in CATALOG.values()
        if not case.extra
        and (family is None or case.family == family)
        and (native is None or case.native == native)
    ]


@dataclass(frozen=True)
class Case:
    """A fitted model, the sample it is served with, and its raw input rows."""

    name: str
    model: Any
    sample: pd.DataFrame | None
    inputs: pd.DataFrame | np.ndarray
    # What the service must answer like, when that is not the model itself:
    # a native booster answers like its library's estimator.
    reference: Any = None
    # Set for a model the generator is given as its library's own file.
    native_suffix: str | None = None
    # Whether the model calls `user_steps`, the user's own module: shipped
    # with --code.
    uses_user_steps: bool = False

    @property
    def expected(self) -> Any:
        return self.model if self.reference is None else self.reference


@listed("sklearn", "binary")
def binary_forest() -> Case:
    """A forest fitted on a named DataFrame of floats; served with a sample."""
    x, y = make_classification(n_samples=300, n_features=6, random_state=0)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(frame, y)
    return Case("binary_forest", model, frame.head(60), frame.head(60))


@listed("sklearn", "multiclass")
def multiclass_array() -> Case:
    """A scaled logistic regression fitted on an unnamed array; no sample."""
    x, y = make_classification(
        n_samples=300, n_features=4, n_informative=3, n_redundant=0,
        n_classes=3, random_state=1,
    )  # fmt: skip
    # Labels mapped through pandas come out as numpy.str_ objects: the kind
    # of value a YAML answers file cannot hold unless it is converted.
    names = pd.Series(y).map(dict(enumerate(np.array(["bird", "cat", "dog"]))))
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, names)
    return Case("multiclass_array", model, None, x[:40])


@listed("sklearn", "regression", representative=True)
def mixed_pipeline() -> Case:
    """Imputation and one-hot encoding over float, int, bool and text columns."""
    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame(
        {
            "income": rng.normal(50_000, 12_000, n).round(2),
            "age": rng.integers(18, 80, n),
            "member": rng.random(n) < 0.4,
            "plan": rng.choice(["basic", "gold", "silver"], n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "income"] = np.nan
    target = (
        frame["income"].fillna(50_000) / 1000
        + frame["age"] * 0.5
        + frame["member"] * 3.0
        + frame["plan"].map({"basic": 0.0, "gold": 5.0, "silver": 2.0})
    )
    preprocess = ColumnTransformer(
        [
            ("numbers", make_pipeline(SimpleImputer(), StandardScaler()),
             ["income", "age"]),
            ("member", "passthrough", ["member"]),
            # Refusing unknown plans: a closed category.
            ("plan", OneHotEncoder(handle_unknown="error"), ["plan"]),
        ]
    )  # fmt: skip
    model = Pipeline([("preprocess", preprocess), ("ridge", Ridge())]).fit(
        frame, target
    )
    return Case("mixed_pipeline", model, frame.head(80), frame.head(80))


@listed("sklearn", "binary", extra=True)
def boosted_pipeline() -> Case:
    """Gradient boosting behind imputation and one-hot encoding: TreeSHAP on
    the made columns, added up per input (/explain)."""
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(0, 72, n),
            "charges": rng.normal(70, 20, n).round(2),
            "contract": rng.choice(["monthly", "yearly", "two-year"], n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "charges"] = np.nan
    churned = (frame["contract"] == "monthly") & (frame["tenure"] < 24)
    preprocess = ColumnTransformer(
        [
            ("numbers", SimpleImputer(), ["tenure", "charges"]),
            ("contract", OneHotEncoder(handle_unknown="ignore"), ["contract"]),
        ]
    )
    model = Pipeline(
        [("preprocess", preprocess),
         ("boost", GradientBoostingClassifier(n_estimators=30, random_state=0))]
    ).fit(frame, churned.map({True: "yes", False: "no"}))  # fmt: skip
    return Case("boosted_pipeline", model, frame.head(80), frame.head(80))


@listed("sklearn", "regression")
def linear_frame() -> Case:
    """A scaled Ridge on a named frame: a row alone and the same row inside a
    batch may differ in their last bits, as BLAS sums them in another order."""
    x, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    frame = pd.DataFrame(x, columns=[f"v{i}" for i in range(5)])
    model = make_pipeline(StandardScaler(), Ridge()).fit(frame, y)
    return Case("linear_frame", model, frame.head(40), frame.head(40))


def expected_predictions(case: Case, method: str, inputs: Any) -> list[Any]:
    """What the service must answer for `inputs` sent as one request: the
    model's own output, one per instance, probabilities labelled by class."""
    outputs = np.asarray(getattr(case.expected, method)(inputs))
    if method == "predict":
        # One per instance (CatBoost puts each label in a row of its own).
        return outputs.reshape(len(inputs)).tolist()
    labels = [str(label) for label in case.expected.classes_]
    return [dict(zip(labels, row, strict=True)) for row in outputs.tolist()]


def records(inputs: pd.DataFrame | np.ndarray) -> list[Any]:
    """Rows as JSON-ready instances: objects for frames, arrays otherwise."""
    if isinstance(inputs, pd.DataFrame):
        rows = inputs.astype(object).where(inputs.notna(), None)
        return [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in rows.to_dict(orient="records")
        ]
    return [[float(v) for v in row] for row in inputs]


@listed("sklearn", "regression", extra=True)
def failing_regressor() -> Case:
    """A pipeline whose crash must become a 500 without a stack trace.

    Its transform is a function of `user_steps`, which the service ships.
    """
    x, y = make_classification(n_samples=100, n_features=4, random_state=3)
    model = make_pipeline(FunctionTransformer(fail_on_thirteen), Ridge()).fit(
        x, y.astype(float)
    )
    return Case("failing_regressor", model, None, x[:5], uses_user_steps=True)


@listed("sklearn", "regression", extra=True)
def shipped_code_booster() -> Case:
    """XGBoost behind this module's own transform: a pickle shipped with --code,
    whose requirements come from the pickle's imports."""
    import xgboost

    x, y = make_regression(n_samples=200, n_features=4, random_state=8)
    booster = xgboost.XGBRegressor(n_estimators=20, max_depth=3)
    model = make_pipeline(FunctionTransformer(fail_on_thirteen), booster).fit(x, y)
    return Case("shipped_code_booster", model, None, x[:20], uses_user_steps=True)


@listed("xgboost", "multiclass")
def xgboost_multiclass() -> Case:
    """XGBoost's classifier on a named frame: stored as XGBoost JSON."""
    import xgboost

    x, y = make_classification(
        n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=4
    )
    frame = pd.DataFrame(x, columns=[f"c{i}" for i in range(5)])
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(frame, y)
    return Case("xgboost_multiclass", model, frame.head(60), frame.head(60))


@listed("xgboost", "binary")
def xgboost_binary() -> Case:
    """XGBoost's classifier on an unnamed array, served without a sample."""
    import xgboost

    x, y = make_classification(n_samples=300, n_features=4, random_state=5)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(x, y)
    return Case("xgboost_binary", model, None, x[:40])


@listed("xgboost", "regression")
def xgboost_regression() -> Case:
    import xgboost

    x, y = make_regression(n_samples=300, n_features=4, random_state=6)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    model = xgboost.XGBRegressor(n_estimators=20, max_depth=3).fit(frame, y)
    return Case("xgboost_regression", model, frame.head(60), frame.head(60))


@listed("lightgbm", "multiclass")
def lightgbm_multiclass() -> Case:
    """LightGBM's classifier with string labels on a named frame."""
    import lightgbm

    x, y = make_classification(
        n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=7
    )
    frame = pd.DataFrame(x, columns=[f"c{i}" for i in range(5)])
    labels = np.array(["low", "mid", "high"])[y]
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(frame, labels)
    return Case("lightgbm_multiclass", model, frame.head(60), frame.head(60))


@listed("lightgbm", "binary")
def lightgbm_binary() -> Case:
    import lightgbm

    x, y = make_classification(n_samples=300, n_features=4, random_state=8)
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(x, y)
    return Case("lightgbm_binary", model, None, x[:40])


@listed("lightgbm", "regression")
def lightgbm_regression() -> Case:
    import lightgbm

    x, y = make_regression(n_samples=300, n_features=4, random_state=9)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    model = lightgbm.LGBMRegressor(n_estimators=20, verbose=-1).fit(frame, y)
    return Case("lightgbm_regression", model, frame.head(60), frame.head(60))


@listed("catboost", "multiclass", representative=True, onnx=False)
def catboost_multiclass() -> Case:
    """CatBoost with a categorical feature given as strings, string labels."""
    import catboost

    x, y = make_classification(
        n_samples=300, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        random_state=10,
    )  # fmt: skip
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["plan"] = np.array(["basic", "gold", "silver"])[(y + (x[:, 0] > 0)) % 3]
    labels = np.array(["low", "mid", "high"])[y]
    model = catboost.CatBoostClassifier(
        iterations=30, verbose=0, allow_writing_files=False, cat_features=["plan"]
    ).fit(frame, labels)
    return Case("catboost_multiclass", model, frame.head(60), frame.head(60))


@listed("catboost", "binary")
def catboost_binary() -> Case:
    import catboost

    x, y = make_classification(n_samples=300, n_features=4, random_state=11)
    model = catboost.CatBoostClassifier(
        iterations=30, verbose=0, allow_writing_files=False
    ).fit(x, y)
    return Case("catboost_binary", model, None, x[:40])


@listed("catboost", "regression")
def catboost_regression() -> Case:
    import catboost

    x, y = make_regression(n_samples=300, n_features=4, random_state=12)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    model = catboost.CatBoostRegressor(
        iterations=30, verbose=0, allow_writing_files=False
    ).fit(frame, y)
    return Case("catboost_regression", model, frame.head(60), frame.head(60))


def _mixed_frame(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Float, pandas category, bool and int columns, and a label that uses them."""
    rng = np.random.default_rng(seed)
    count = 300
    frame = pd.DataFrame(
        {
            "amount": rng.normal(size=count),
            "plan": pd.Categorical(rng.choice(["basic", "gold", "silver"], count)),
            "active": rng.random(count) > 0.5,
            "visits": rng.integers(0, 10, count),
        }
    )
    label = ((frame["amount"] > 0) ^ (frame["plan"] == "gold")).to_numpy(int)
    return frame, label


@listed("lightgbm", "binary", representative=True)
def lightgbm_mixed_frame() -> Case:
    """LightGBM on a frame with a pandas category column, as it is often fed."""
    import lightgbm

    frame, label = _mixed_frame(16)
    model = lightgbm.LGBMClassifier(n_estimators=15, verbose=-1).fit(frame, label)
    return Case("lightgbm_mixed_frame", model, frame.head(60), frame.head(60))


@listed("xgboost", "binary", representative=True, onnx=False)
def xgboost_mixed_frame() -> Case:
    """XGBoost with its native categorical support on the same kind of frame."""
    import xgboost

    frame, label = _mixed_frame(17)
    model = xgboost.XGBClassifier(
        n_estimators=15, enable_categorical=True, tree_method="hist"
    ).fit(frame, label)
    return Case("xgboost_mixed_frame", model, frame.head(60), frame.head(60))


# The native boosters' cases, given to the generator as their library's own
# files, live in their own module; importing it lists them in the catalog.
import models_fidelity  # noqa: E402, F401

import models_native  # noqa: E402, F401

# The families whose models the suite fits in its own environment. Any other
# (a library too heavy to install beside the rest, or one that pins their
# versions) is tested in an environment of its own by `test_<family>.py`,
# which a test checks exists.
FAMILIES_HERE = tuple(
    family
    for family in FAMILIES
    if any(case.family == family.name for case in CATALOG.values())
)


@functools.cache
def case_named(name: str) -> Case:
    """Each case is fitted once per test session, whoever asks for it first."""
    made: Case = _MAKERS[name]()
    return made
