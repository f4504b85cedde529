"""Models whose samples do not show all they accept, one per model family.

Each is fitted on three plans and on usage figures with gaps, and served
from a sample that lacks a plan and every gap: the service must still
accept what the model accepts (`test_schema_fidelity`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import Case, listed
from user_steps import Bands, ChurnRules, UsageRegressor

PLANS = ["basic", "pro", "enterprise"]


def churn_frame(
    seed: int, categorical: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """Usage with gaps and a plan; churn when usage is low on the basic plan."""
    rng = np.random.default_rng(seed)
    count = 400
    usage = rng.uniform(0, 10, count).round(2)
    plan = rng.choice(PLANS, count)
    label = ((usage < 5) & (plan == "basic")).astype(int)
    usage[rng.random(count) < 0.1] = np.nan
    frame = pd.DataFrame({"usage": usage, "plan": plan})
    if categorical:
        frame["plan"] = pd.Categorical(frame["plan"], categories=PLANS)
    return frame, label


def lacking(frame: pd.DataFrame) -> pd.DataFrame:
    """A sample without the enterprise plan and without a missing usage."""
    sample = frame[(frame["plan"] != "enterprise") & frame["usage"].notna()].head(40)
    sample = sample.reset_index(drop=True)
    if isinstance(sample["plan"].dtype, pd.CategoricalDtype):
        sample["plan"] = sample["plan"].cat.remove_unused_categories()
    return sample


@listed("sklearn", "binary", extra=True, fidelity=True)
def fidelity_sklearn() -> Case:
    """An imputer, an encoder that ignores unknown plans, and one that refuses
    unknown regions (a closed category)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    frame, label = churn_frame(20)
    frame["region"] = np.random.default_rng(21).choice(["north", "south"], len(frame))
    preprocess = ColumnTransformer(
        [
            ("usage", SimpleImputer(), ["usage"]),
            ("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"]),
            ("region", OrdinalEncoder(), ["region"]),
        ]
    )
    model = make_pipeline(preprocess, LogisticRegression()).fit(frame, label)
    return Case("fidelity_sklearn", model, lacking(frame), frame.head(60))


@listed("xgboost", "binary", extra=True, fidelity=True, onnx=False)
def fidelity_xgboost() -> Case:
    import xgboost

    frame, label = churn_frame(22, categorical=True)
    model = xgboost.XGBClassifier(
        n_estimators=10, max_depth=3, enable_categorical=True, tree_method="hist"
    ).fit(frame, label)
    return Case("fidelity_xgboost", model, lacking(frame), frame.head(60))


@listed("lightgbm", "binary", extra=True, fidelity=True)
def fidelity_lightgbm() -> Case:
    import lightgbm

    frame, label = churn_frame(23, categorical=True)
    model = lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(frame, label)
    return Case("fidelity_lightgbm", model, lacking(frame), frame.head(60))


@listed("catboost", "binary", extra=True, fidelity=True, onnx=False)
def fidelity_catboost() -> Case:
    import catboost

    frame, label = churn_frame(24)
    model = catboost.CatBoostClassifier(
        iterations=20, verbose=0, allow_writing_files=False, cat_features=["plan"]
    ).fit(frame, label)
    return Case("fidelity_catboost", model, lacking(frame), frame.head(60))


@listed("python", "binary", representative=True, fidelity=True, onnx=False)
def python_rules() -> Case:
    """A classifier of the user's own class, shipped with --code; its sample
    lacks a plan. It answers no missing usage (its scores would be NaN)."""
    frame, _ = churn_frame(25)
    inputs = frame[frame["usage"].notna()].head(60).reset_index(drop=True)
    return Case(
        "python_rules", ChurnRules(), lacking(frame), inputs, uses_user_steps=True
    )


@listed("python", "regression", onnx=False)
def python_regressor() -> Case:
    """A regressor of the user's own class, reading columns by name."""
    frame, _ = churn_frame(26)
    inputs = frame[frame["usage"].notna()].head(40).reset_index(drop=True)
    return Case(
        "python_regressor", UsageRegressor(), inputs, inputs, uses_user_steps=True
    )


@listed("python", "multiclass", onnx=False)
def python_bands() -> Case:
    """A classifier of the user's own class that indexes a 2-D array, so it
    is handed one, not a DataFrame."""
    rng = np.random.default_rng(27)
    frame = pd.DataFrame(rng.normal(size=(60, 3)).round(3), columns=["a", "b", "c"])
    return Case(
        "python_bands", Bands(), frame.head(30), frame.to_numpy()[:40],
        uses_user_steps=True,
    )  # fmt: skip


@listed("sklearn", "binary", extra=True)
def fidelity_histgradientboosting() -> Case:
    """HistGradientBoosting's own categorical support: its categories are
    kept by the estimator, not by an encoder step."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame, label = churn_frame(28, categorical=True)
    model = HistGradientBoostingClassifier(max_iter=20).fit(frame, label)
    return Case("fidelity_histgradientboosting", model, lacking(frame), frame.head(60))
